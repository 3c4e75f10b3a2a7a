/**
 * A complete bridge configuration for CLI tests that never reach Keycloak or BMS: Keycloak on a closed port (9),
 * obviously fake secrets. Add BRIDGE_DB_PATH for a store of the test's own.
 */
export const CLI_TEST_ENV: Readonly<Record<string, string>> = {
  BRIDGE_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  KEYCLOAK_URL: 'http://127.0.0.1:9',
  KEYCLOAK_CLIENT_ID: 'bms-bridge',
  KEYCLOAK_CLIENT_SECRET: 'not-a-real-secret',
  BMS_REGION: 'us',
  BMS_TENANT: 'Contoso MSP',
  BMS_USERNAME: 'api@contoso.example',
  BMS_PASSWORD: 'not-a-real-password',
};
