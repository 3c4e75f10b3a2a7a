import { startBrokerStack, BROKER_REALM, IDP_ALIAS } from './broker-stack';
import { STAND_IN_PASSWORD, standInUsers } from './passly-stand-in';
import { STACK_ENV } from '../support/stack-info';

/**
 * `npm run demo`: the local stack with embedded defaults. Ports: DEMO_KEYCLOAK_PORT (default 8080) and
 * DEMO_KEYCLOAK_MANAGEMENT_PORT (default 9000); 0 picks free ones. Runs until Ctrl-C.
 */
async function main(): Promise<void> {
  const log = (line: string): void => console.log(`[demo] ${line}`);
  const stack = await startBrokerStack({
    httpPort: portFrom('DEMO_KEYCLOAK_PORT', 8080),
    managementPort: portFrom('DEMO_KEYCLOAK_MANAGEMENT_PORT', 9000),
    log,
  });
  const kc = stack.keycloak;
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

  console.log(banner(kc.baseUrl, kc.admin, kc.startMs, kc.reportedStart, kc.rssBytes(), kc.logFile, stack.accountConsoleUrl));
}

function banner(base: string, admin: { username: string; password: string }, startMs: number, reported: string | undefined, rss: number, logFile: string, account: string): string {
  const users = standInUsers()
    .map((u) => `    ${u.username.padEnd(32)} ${`${u.firstName} ${u.lastName}`.padEnd(24)} ${(u.email ?? '(no e-mail: refused at first login)').padEnd(34)} ${u.groups.join(' | ')}`)
    .join('\n');
  return `
Stack is up (Keycloak ready in ${(startMs / 1000).toFixed(1)} s${reported ? `, Keycloak reports ${reported}` : ''}; JVM resident memory ${Math.round(rss / 1048576)} MiB).

  Log in as an employee:   ${account}
                           (you are sent to the Passly stand-in; password for every user: ${STAND_IN_PASSWORD})
  Keycloak admin console:  ${base}/admin/master/console/#/${BROKER_REALM}   user ${admin.username}, password ${admin.password} (new every run)
  Broker realm:            ${BROKER_REALM}   identity provider: ${IDP_ALIAS} (SAML)
  Passly stand-in:         ${base}/realms/passly   (test fixture standing in for Kaseya Passly)
  Keycloak log:            ${logFile}

  Stand-in users (username, name, e-mail sent as Email, SecurityGroup values):
${users}

  Run the Keycloak tests against this stack instead of a new one:
    export ${STACK_ENV}='${JSON.stringify({ baseUrl: base, admin, brokerRealm: BROKER_REALM })}'

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
