import { LocalStack, startLocalStack } from '../stack/local-stack';
import { STACK_ENV, StackInfo } from '../support/stack-info';

declare global {
  // eslint-disable-next-line no-var
  var __bmsJitStack: LocalStack | undefined;
}

/** Jest global setup of the "keycloak" project: one Keycloak for every integration and end-to-end test. */
export default async function startStack(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`[stack] ${line}\n`);
  if (process.env[STACK_ENV]) {
    // a developer pointed the tests at a running `npm run demo` (it prints this variable): reuse it
    log(`using the running stack from ${STACK_ENV}`);
    return;
  }
  const stack = await startLocalStack({}, log, undefined, { tapWebhooks: true });
  globalThis.__bmsJitStack = stack;
  const kc = stack.broker.keycloak;
  const info: StackInfo = { baseUrl: kc.baseUrl, admin: kc.admin, brokerRealm: stack.broker.brokerRealm, bmsApiUrl: stack.bms.apiUrl, bmsPortalUrl: stack.bms.portalUrl, bridgeUrl: stack.bridge.url, bridgeAdminToken: stack.adminToken, webhookTapUrl: stack.tap?.url };
  process.env[STACK_ENV] = JSON.stringify(info);
  log(`Keycloak ready in ${(kc.startMs / 1000).toFixed(1)} s (Keycloak reports ${kc.reportedStart ?? '?'}), JVM resident ${mib(kc.rssBytes())} MiB`);
}

export function mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}
