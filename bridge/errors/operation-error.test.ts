import { createServer } from 'node:net';

import { describeCause, OperationError } from './operation-error';

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('describeCause', () => {
  test("fetch's 'fetch failed' to a closed port becomes 'connection refused' with the code", async () => {
    const err = await fetch(`http://127.0.0.1:${await closedPort()}/`).catch((e: unknown) => e);
    expect((err as Error).message).toBe('fetch failed');
    expect(describeCause(err)).toBe('connection refused (ECONNREFUSED)');
  });

  test('a timeout says so', async () => {
    const err = await fetch('http://10.255.255.1/', { signal: AbortSignal.timeout(1) }).catch((e: unknown) => e);
    expect(describeCause(err)).toBe('no answer in time (timeout)');
  });

  test("an HTTP error of Keycloak's admin client gives the status and the server's message", () => {
    const err = Object.assign(new Error('unauthorized_client'), { response: { status: 401 } });
    expect(describeCause(err)).toBe('HTTP 401: unauthorized_client');
    expect(describeCause(Object.assign(new Error('Network response was not OK.'), { response: { status: 502 } }))).toBe('HTTP 502');
  });

  test('an unknown code is given as it is; a plain error by its message', () => {
    expect(describeCause(Object.assign(new Error('x'), { code: '57P01' }))).toBe('57P01');
    expect(describeCause(new Error('disk full'))).toBe('disk full');
  });
});

describe('OperationError', () => {
  test('names the system, the operation, where, the cause and the hint, and keeps the cause', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const err = new OperationError('Keycloak', "read of user 42 in realm 'broker'", 'http://kc:8080', cause, 'check KEYCLOAK_URL');
    expect(err.message).toBe("Keycloak read of user 42 in realm 'broker' at http://kc:8080: connection refused (ECONNREFUSED); check KEYCLOAK_URL");
    expect(err.cause).toBe(cause);
    expect(err).toMatchObject({ name: 'OperationError', system: 'Keycloak' });
  });
});
