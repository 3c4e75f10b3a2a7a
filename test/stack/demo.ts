import { BROKER_REALM, IDP_ALIAS } from './broker-stack';
import { LocalStack, startLocalStack } from './local-stack';
import { STAND_IN_PASSWORD, standInUsers } from './passly-stand-in';
import { DEFAULT_API_USER } from '../bms-emulator/server';
import { STACK_ENV, StackInfo } from '../support/stack-info';

/**
 * `npm run demo`: the local stack with embedded defaults, until Ctrl-C. Ports (0 = any free port):
 * DEMO_KEYCLOAK_PORT 8080, DEMO_KEYCLOAK_MANAGEMENT_PORT 9000, DEMO_BMS_API_PORT 8081, DEMO_BMS_PORTAL_PORT 8082.
 */
async function main(): Promise<void> {
  const log = (line: string): void => console.log(`[demo] ${line}`);
  const stack = await startLocalStack(
    {
      keycloak: portFrom('DEMO_KEYCLOAK_PORT', 8080),
      keycloakManagement: portFrom('DEMO_KEYCLOAK_MANAGEMENT_PORT', 9000),
      bmsApi: portFrom('DEMO_BMS_API_PORT', 8081),
      bmsPortal: portFrom('DEMO_BMS_PORTAL_PORT', 8082),
    },
    log,
  );
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('Stopping ...');
    await stack.stop();
    log('Stopped. Nothing is left running.');
    process.exit(0);
  };
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  console.log(banner(stack));
}

function banner(stack: LocalStack): string {
  const kc = stack.broker.keycloak;
  const users = standInUsers()
    .map((u) => `    ${u.username.padEnd(32)} ${`${u.firstName} ${u.lastName}`.padEnd(24)} ${(u.email ?? '(no e-mail: refused at first login)').padEnd(34)} ${u.groups.join(' | ')}`)
    .join('\n');
  const info: StackInfo = { baseUrl: kc.baseUrl, admin: kc.admin, brokerRealm: BROKER_REALM, bmsApiUrl: stack.bms.apiUrl, bmsPortalUrl: stack.bms.portalUrl };
  return `
Stack is up (Keycloak ready in ${(kc.startMs / 1000).toFixed(1)} s${kc.reportedStart ? `, Keycloak reports ${kc.reportedStart}` : ''}; JVM resident memory ${Math.round(kc.rssBytes() / 1048576)} MiB).

  Log in as an employee:   ${stack.bms.portalUrl}
                           (the BMS portal sends you through Keycloak to the Passly stand-in; password for every user: ${STAND_IN_PASSWORD})
  Broker account console:  ${stack.broker.accountConsoleUrl}
  Keycloak admin console:  ${kc.baseUrl}/admin/master/console/#/${BROKER_REALM}   user ${kc.admin.username}, password ${kc.admin.password} (new every run)
  Broker realm:            ${BROKER_REALM}   identity provider: ${IDP_ALIAS} (SAML)
  Passly stand-in:         ${kc.baseUrl}/realms/passly   (test fixture standing in for Kaseya Passly)
  BMS API emulator:        ${stack.bms.apiUrl}   tenant '${DEFAULT_API_USER.tenant}', API user ${DEFAULT_API_USER.userName} / ${DEFAULT_API_USER.password}
                           status: ${stack.bms.apiUrl}/_emulator/status   employees: ${stack.bms.apiUrl}/_emulator/employees
  Keycloak log:            ${kc.logFile}

  Stand-in users (username, name, e-mail sent as Email, SecurityGroup values):
${users}

  Until provisioning exists, a new user sees "No BMS employee exists for …"; Margaret Hamilton matches a seeded
  employee (same e-mail, other case) and sees her employee page.

  Run the Keycloak tests against this stack instead of a new one:
    export ${STACK_ENV}='${JSON.stringify(info)}'

Press Ctrl-C to stop everything.
`;
}

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name}=${raw} is not a port number (0-65535; 0 picks a free port)`);
  }
  return port;
}

main().catch((err: unknown) => {
  console.error(`[demo] ${(err as Error).message}`);
  process.exit(1);
});
