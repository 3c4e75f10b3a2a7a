/** How the global setup tells the test workers where the shared stack is. */
export const STACK_ENV = 'BMS_JIT_TEST_STACK';

export interface StackInfo {
  baseUrl: string;
  admin: { username: string; password: string };
  brokerRealm: string;
  bmsApiUrl: string;
  bmsPortalUrl: string;
  bridgeUrl: string;
  bridgeAdminToken: string;
  /** the recording tap between Keycloak and the bridge (absent when the tests run against `npm run demo`) */
  webhookTapUrl?: string;
}

export function stackInfo(): StackInfo {
  const raw = process.env[STACK_ENV];
  if (!raw) throw new Error(`${STACK_ENV} is not set: run this test through the "keycloak" Jest project, whose global setup starts Keycloak`);
  return JSON.parse(raw) as StackInfo;
}
