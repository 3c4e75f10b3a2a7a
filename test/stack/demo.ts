import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { BROKER_REALM, IDP_ALIAS } from './broker-stack';
import { repoRoot } from './project';
import { LocalStack, startLocalStack } from './local-stack';
import { STAND_IN_PASSWORD, standInUsers } from './passly-stand-in';
import { DEFAULT_API_USER } from '../bms-emulator/server';
import { STACK_ENV, StackInfo } from '../support/stack-info';
import { createLogger } from '../../bridge/log/pino-logger';

/**
 * `npm run demo`: the local stack with embedded defaults, until Ctrl-C. Ports (0 = any free port):
 * DEMO_KEYCLOAK_PORT 8080, DEMO_KEYCLOAK_MANAGEMENT_PORT 9000, DEMO_BMS_API_PORT 8081, DEMO_BMS_PORTAL_PORT 8082,
 * DEMO_BRIDGE_PORT 8090. The bridge logs JSON lines to stdout (LOG_LEVEL, default info). DEMO_TAP_WEBHOOKS=1 records
 * webhooks on their way to the bridge (the tests that count webhooks need it when they run against the demo).
 * `npm run demo -- --postgres` (or DEMO_POSTGRES=1): the same stack with two bridges on a throw-away PostgreSQL server
 * behind one round-robin URL (README, "Several bridges").
 */
async function main(): Promise<void> {
  const log = (line: string): void => console.log(`[demo] ${line}`);
  const postgres = process.argv.includes('--postgres') || process.env.DEMO_POSTGRES === '1';
  if (postgres) {
    // npm passes --postgres to the demo only, after its own bootstrap: install PostgreSQL here when it is missing
    const bootstrap = spawnSync('bash', [join(repoRoot, 'scripts', 'bootstrap.sh'), '--postgres'], { stdio: 'inherit' });
    if (bootstrap.status !== 0) throw new Error('scripts/bootstrap.sh --postgres failed: see above');
  }
  const stack = await startLocalStack(
    {
      keycloak: portFrom('DEMO_KEYCLOAK_PORT', 8080),
      keycloakManagement: portFrom('DEMO_KEYCLOAK_MANAGEMENT_PORT', 9000),
      bmsApi: portFrom('DEMO_BMS_API_PORT', 8081),
      bmsPortal: portFrom('DEMO_BMS_PORTAL_PORT', 8082),
      bridge: portFrom('DEMO_BRIDGE_PORT', 8090),
    },
    log,
    createLogger(process.env.LOG_LEVEL ?? 'info'),
    // DEMO_TAP_WEBHOOKS=1: record webhooks on their way to the bridge, so every Keycloak test can run against the demo
    { tapWebhooks: process.env.DEMO_TAP_WEBHOOKS === '1', ...(postgres ? { postgresBridges: 2 } : {}) },
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
  console.log(await banner(stack));
}

/** What each stand-in user will get, from the realm's rules (the bridge's preview; BMS untouched). */
async function outcomes(stack: LocalStack): Promise<string> {
  const lines: string[] = ['  What each will get at their first login to the BMS portal:'];
  for (const u of standInUsers()) {
    if (!u.email) {
      lines.push(`    ${u.username.padEnd(32)} refused by Keycloak: Passly sends no e-mail`);
      continue;
    }
    const decision = await stack.bridge.decide({ username: u.username, email: u.email, upn: u.upn ?? null, domain: u.domain ?? null, groups: u.groups });
    const existing = stack.bms.emulator.store.all().find((e) => e.emailAddress.toLowerCase() === u.email?.toLowerCase());
    const what =
      decision.outcome !== 'provision'
        ? `denied: ${decision.reason}`
        : existing
          ? `linked to the existing BMS employee ${existing.id} (same e-mail, other case); the synced fields (names, e-mail, security role by default) follow the rules`
          : `new employee: ${decision.fields.department} / ${decision.fields.securityRole} / ${decision.fields.location} (${decision.rule ? `rule ${decision.rule.order}` : 'defaults'})`;
    lines.push(`    ${u.username.padEnd(32)} ${what}`);
  }
  return lines.join('\n');
}

async function banner(stack: LocalStack): Promise<string> {
  const kc = stack.broker.keycloak;
  const users = standInUsers()
    .map((u) => `    ${u.username.padEnd(32)} ${`${u.firstName} ${u.lastName}`.padEnd(24)} ${(u.email ?? '(no e-mail: refused at first login)').padEnd(34)} ${u.groups.join(' | ')}`)
    .join('\n');
  const info: StackInfo = { baseUrl: kc.baseUrl, admin: kc.admin, brokerRealm: BROKER_REALM, bmsApiUrl: stack.bms.apiUrl, bmsPortalUrl: stack.bms.portalUrl, bridgeUrl: stack.bridge.url, bridgeAdminToken: stack.adminToken, webhookTapUrl: stack.tap?.url };
  return `
Stack is up (Keycloak ready in ${(kc.startMs / 1000).toFixed(1)} s${kc.reportedStart ? `, Keycloak reports ${kc.reportedStart}` : ''}; JVM resident memory ${Math.round(kc.rssBytes() / 1048576)} MiB).

  Log in as an employee:   ${stack.bms.portalUrl}
                           (the BMS portal sends you through Keycloak to the Passly stand-in; password for every user: ${STAND_IN_PASSWORD})
  Broker account console:  ${stack.broker.accountConsoleUrl}
                           (sign in here first, then open the portal: the login from the session runs the provisioning step too)
  Passly-initiated (tile): ${kc.baseUrl}/realms/passly/protocol/saml/clients/bms
                           (the stand-in's "BMS tile": Passly posts an unsolicited response to the broker)
  Break-glass login:       ${kc.baseUrl}/realms/${BROKER_REALM}/protocol/saml/clients/bms?kc_idp_hint=
                           (Keycloak's own form for local accounts; the provisioning step runs with their stored attributes)
  Keycloak admin console:  ${kc.baseUrl}/admin/master/console/#/${BROKER_REALM}   user ${kc.admin.username}, password ${kc.admin.password} (new every run)
  Broker realm:            ${BROKER_REALM}   identity provider: ${IDP_ALIAS} (SAML)
  Passly stand-in:         ${kc.baseUrl}/realms/passly   (test fixture standing in for Kaseya Passly)
  Bridge${stack.bridges.length > 1 ? 's' : ' '}:                 ${stack.bridges.map((b) => b.url).join(', ')}   (healthz, readyz; ${stack.storeUrl ? `behind ${stack.webhookUrl} (round robin), sharing the PostgreSQL store ${stack.storeUrl.replace(/:[^:@/]*@/, ':***@')}` : 'jobs in its SQLite store'})
                           admin token (preview, reconcile, /metrics, readyz details): ${stack.adminToken}
  Bridge admin pages:      ${stack.adminPagesUrl}
                           (sign in at the stand-in as ida.rhodes@contoso.com, password ${STAND_IN_PASSWORD}: she is in the AD group
                           CN=BMS-Bridge-Admins, which the realm turns into the role bms-bridge-admin; anyone else is refused)
  BMS API emulator:        ${stack.bms.apiUrl}   tenant '${DEFAULT_API_USER.tenant}', API user ${DEFAULT_API_USER.userName} / ${DEFAULT_API_USER.password}
                           status: ${stack.bms.apiUrl}/_emulator/status   employees: ${stack.bms.apiUrl}/_emulator/employees
  Keycloak log:            ${kc.logFile}

  Stand-in users (username, name, e-mail sent as Email, SecurityGroup values):
${users}

${await outcomes(stack)}

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
