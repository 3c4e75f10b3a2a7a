import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { BmsClient } from './client';
import { BmsError } from './errors';
import { EndpointRateLimiter } from './rate-limiter';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = (server.address() as AddressInfo);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('BMS transport errors', () => {
  test('BMS down: the error names the endpoint, BMS and its URL, and says "connection refused"', async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}`;
    const bms = new BmsClient({ baseUrl, tenant: 'Contoso', userName: 'api', password: 'not-a-secret', retry: { attempts: 1 } }, { rateLimiter: new EndpointRateLimiter({ perWindow: 100, windowMs: 1000 }) });
    const err = await bms.getEmployee(7).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BmsError);
    expect((err as BmsError).message).toBe(`POST /v2/security/authenticate: cannot reach BMS at ${baseUrl}: connection refused (ECONNREFUSED)`);
    expect(err).toMatchObject({ kind: 'transport', retryable: true });
  });
});
