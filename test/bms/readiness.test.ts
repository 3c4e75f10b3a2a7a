import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { readinessChecks } from '../../bridge/bridge';
import { BmsClient } from '../../bridge/bms/client';
import { EndpointRateLimiter } from '../../bridge/bms/rate-limiter';
import { WatchedRuleSource } from '../../bridge/health/watched-rules';
import { createApp } from '../../bridge/http/app';
import { KeycloakGateway } from '../../bridge/keycloak/gateway';
import { silentLogger } from '../../bridge/log/logger';
import { SqliteStore } from '../../bridge/store/sqlite/sqlite-store';
import { BmsEmulator, createBmsEmulator, DEFAULT_API_USER } from '../bms-emulator/server';

const ADMIN_TOKEN = 'test-admin-token-not-a-secret-000';
const AUTHENTICATE = 'POST /v2/security/authenticate';

interface Probe {
  url: string;
  emulator: BmsEmulator;
  bms: BmsClient;
  ready(): Promise<{ status: number; body: { status: string; checks?: Record<string, string> } }>;
  close(): Promise<void>;
}

/** A bridge's readiness over HTTP, with BMS as the emulator and the API user's password as given. */
async function probe(password = DEFAULT_API_USER.password): Promise<Probe> {
  const emulator = createBmsEmulator();
  const api = await emulator.listen();
  const bms = new BmsClient({ baseUrl: api.url, tenant: DEFAULT_API_USER.tenant, userName: DEFAULT_API_USER.userName, password, retry: { attempts: 1 } }, { rateLimiter: new EndpointRateLimiter({ perWindow: 100, windowMs: 60_000 }) });
  const store = new SqliteStore(':memory:');
  const keycloak = new KeycloakGateway({ baseUrl: 'http://127.0.0.1:9', realm: 'broker', clientId: 'bms-bridge', clientSecret: 'x' }, silentLogger);
  const rules = new WatchedRuleSource(async () => [], 'passly', 60_000, bms.lookups, silentLogger);
  const app = createApp({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', maxBodyBytes: 1024, deliveries: store.deliveries, handlers: { login: async () => ({ status: 'pending' }), event: async () => undefined }, ready: readinessChecks({ store, keycloak, bms, rules }), preview: { token: ADMIN_TOKEN, run: async () => ({}) } });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    emulator,
    bms,
    ready: async () => {
      const res = await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      return { status: res.status, body: (await res.json()) as { status: string; checks?: Record<string, string> } };
    },
    close: async () => {
      server.close();
      await api.close();
      await store.close();
    },
  };
}

describe('readiness never calls BMS', () => {
  test("a probe with no cached token makes no call to BMS's token endpoint, nor any other", async () => {
    const p = await probe();
    try {
      for (let i = 0; i < 3; i++) {
        const { body } = await p.ready();
        expect(body.checks?.bms).toBe('ok');
        expect(body.checks?.rules).toContain('not loaded yet');
      }
      expect(p.emulator.calls).toEqual([]);
      expect(p.bms.state().tokenExpiresAt).toBeUndefined();
    } finally {
      await p.close();
    }
  });

  test('it reports the latest real exchange: refused credentials make it not ready, and probes add no authentication', async () => {
    const p = await probe('a-wrong-password');
    try {
      await expect(p.bms.getEmployee(101)).rejects.toThrow(/BMS refused the API user/);
      const authentications = p.emulator.calls.filter((c) => c === AUTHENTICATE).length;
      expect(authentications).toBeGreaterThan(0);
      const { status, body } = await p.ready();
      expect(status).toBe(503);
      expect(body.checks?.bms).toMatch(new RegExp(`^BMS, at \\d{4}-\\d\\d-\\d\\dT[^:]+:\\d\\d:\\d\\d\\.\\d+Z: ${AUTHENTICATE}: BMS refused the request`));
      await p.ready();
      expect(p.emulator.calls.filter((c) => c === AUTHENTICATE)).toHaveLength(authentications);
    } finally {
      await p.close();
    }
  });

  test('BMS unreachable at the last real call makes it not ready; the next good call makes it ready again', async () => {
    const p = await probe();
    try {
      p.emulator.setFaults({ down: true });
      await expect(p.bms.getEmployee(101)).rejects.toThrow();
      expect((await p.ready()).body.checks?.bms).toMatch(/^BMS, at .*: POST \/v2\/security\/authenticate: cannot reach BMS at http:\/\/127\.0\.0\.1:\d+: connection closed by the other side/);
      p.emulator.setFaults({});
      await p.bms.getEmployee(101);
      expect((await p.ready()).body.checks?.bms).toBe('ok');
      expect(p.bms.state().tokenExpiresAt).toBeGreaterThan(Date.now());
    } finally {
      await p.close();
    }
  });
});
