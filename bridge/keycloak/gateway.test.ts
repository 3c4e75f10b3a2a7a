import { createServer, Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';

import { silentLogger } from '../log/logger';
import { KeycloakGateway } from './gateway';

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A token in the shape Keycloak gives (only `exp` is read). */
const token = `x.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url')}.y`;

/** A Keycloak that hands out tokens, then cuts every other request (or answers it with `status`). */
async function brokenKeycloak(status?: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url?.endsWith('/protocol/openid-connect/token')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, expires_in: 300 }));
    if (status) return void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'HTTP 403 Forbidden' }));
    req.socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const gateway = (baseUrl: string): KeycloakGateway => new KeycloakGateway({ baseUrl, realm: 'broker', clientId: 'bms-bridge', clientSecret: 'not-a-secret' }, silentLogger);

describe('KeycloakGateway errors name Keycloak, the operation and where', () => {
  test('Keycloak down: the authentication is named with the URL, "connection refused" and what to check', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    await expect(gateway(url).user('u-1')).rejects.toThrow(`Keycloak authentication of client 'bms-bridge' to realm 'broker' at ${url}: connection refused (ECONNREFUSED); check KEYCLOAK_URL, KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET`);
    expect(await gateway(url).ping()).toContain(`Keycloak authentication of client 'bms-bridge' to realm 'broker' at ${url}: connection refused`);
  });

  describe('a connection cut after authenticating', () => {
    let keycloak: { url: string; server: Server };
    beforeAll(async () => (keycloak = await brokenKeycloak()));
    afterAll(() => keycloak.server.close());
    const cut = 'connection closed by the other side (UND_ERR_SOCKET)';

    test('the write-back of bms_employee_id names the user and the endpoint', async () => {
      const url = `${keycloak.url}/realms/broker/bms-provisioning/users/u-1/employee-id`;
      await expect(gateway(keycloak.url).writeEmployeeId('u-1', 42)).rejects.toThrow(`Keycloak write-back of bms_employee_id to user u-1 at ${url}: ${cut}`);
    });

    test('a user read names the user and the realm', async () => {
      await expect(gateway(keycloak.url).user('u-1')).rejects.toThrow(`Keycloak read of user u-1 in realm 'broker' at ${keycloak.url}: ${cut}`);
    });

    test('a search by e-mail names the address', async () => {
      await expect(gateway(keycloak.url).userByEmail('ada@contoso.com')).rejects.toThrow(`Keycloak search of users by e-mail ada@contoso.com in realm 'broker' at ${keycloak.url}: ${cut}`);
    });

    test("the sweep's page of users names which users", async () => {
      await expect(gateway(keycloak.url).usersPage(200, 200, 'passly')).rejects.toThrow(`Keycloak read of users 201 to 400 linked to 'passly' in realm 'broker' at ${keycloak.url}: ${cut}`);
    });

    test("the rules' read names the identity provider", async () => {
      await expect(gateway(keycloak.url).mappers('passly')).rejects.toThrow(`Keycloak read of identity provider 'passly''s mappers in realm 'broker' at ${keycloak.url}: ${cut}`);
    });
  });

  test("a refusal gives Keycloak's status and message", async () => {
    const keycloak = await brokenKeycloak(403);
    try {
      await expect(gateway(keycloak.url).mappers('passly')).rejects.toThrow(`Keycloak read of identity provider 'passly''s mappers in realm 'broker' at ${keycloak.url}: HTTP 403: HTTP 403 Forbidden`);
    } finally {
      keycloak.server.close();
    }
  });
});
