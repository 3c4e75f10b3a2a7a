import { parseArgs } from 'node:util';

import { signingCertFromDescriptor } from './idp-metadata';
import { createPortal } from './portal';
import { createBmsEmulator, DEFAULT_API_USER } from './server';

const HELP = `BMS emulator (test fixture): the BMS V2 API, and optionally the BMS portal as a SAML service provider.

  npm run bms-emulator -- [options]

  --port N                  API port on 127.0.0.1 (default 8081; 0 = any free port)
  --portal-port N           also serve the portal on this port (needs --idp-descriptor-url)
  --idp-descriptor-url URL  SAML IdP metadata of the broker realm, e.g. http://127.0.0.1:8080/realms/broker/protocol/saml/descriptor
  --access-token-ttl-ms N   bearer token lifetime (default 3600000)
  --rate-limit-per-hour N   calls per hour per endpoint per tenant (default 1500)
  --help                    this text

Control endpoints: GET /_emulator/status, POST /_emulator/faults {"latencyMs":200,"errorRate":0.1,"failNext":{"count":3,"status":503},"hang":false,"down":false},
  (also "path", "method", and "commitThenFail":{"count":1,"status":500} or {"count":1,"hang":true}: the write is done, its answer lost),
DELETE /_emulator/faults, POST /_emulator/expire-tokens, POST /_emulator/settings {"allowDuplicateUserNames":true, …},
GET /_emulator/employees, GET /_emulator/calls?about=TEXT.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8081' },
      'portal-port': { type: 'string' },
      'idp-descriptor-url': { type: 'string' },
      'access-token-ttl-ms': { type: 'string' },
      'rate-limit-per-hour': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(HELP);
  const number = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got '${raw}'`);
    return n;
  };
  const emulator = createBmsEmulator({ accessTokenTtlMs: number('access-token-ttl-ms', values['access-token-ttl-ms']), rateLimitPerHour: number('rate-limit-per-hour', values['rate-limit-per-hour']) });
  const api = await emulator.listen(number('port', values.port));
  console.log(`BMS API emulator on ${api.url} (tenant '${DEFAULT_API_USER.tenant}', API user ${DEFAULT_API_USER.userName}, password ${DEFAULT_API_USER.password})`);
  const portalPort = number('portal-port', values['portal-port']);
  if (portalPort !== undefined) {
    const descriptor = values['idp-descriptor-url'];
    if (!descriptor) throw new Error('--portal-port needs --idp-descriptor-url (the broker realm SAML metadata)');
    const baseUrl = `http://127.0.0.1:${portalPort}`;
    const portal = createPortal({ baseUrl, idpSsoUrl: descriptor.replace(/\/descriptor$/, ''), idpCert: await signingCertFromDescriptor(descriptor), store: emulator.store, seed: emulator.seed });
    portal.listen(portalPort, '127.0.0.1', () => console.log(`BMS portal on ${baseUrl}`));
  }
}

main().catch((err: unknown) => {
  console.error(`bms-emulator: ${(err as Error).message}`);
  process.exit(1);
});
