import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { BmsClient } from '../../bridge/bms/client';
import { BmsClientConfigInput } from '../../bridge/bms/config';
import { BmsError } from '../../bridge/bms/errors';
import { EndpointRateLimiter } from '../../bridge/bms/rate-limiter';
import { Logger } from '../../bridge/log/logger';
import { BmsEmulator, createBmsEmulator, DEFAULT_API_USER, EmulatorOptions } from '../bms-emulator/server';

interface Running {
  emulator: BmsEmulator;
  url: string;
  close(): Promise<void>;
}
const running: Running[] = [];

async function emulator(options: EmulatorOptions = {}): Promise<Running> {
  const emu = createBmsEmulator(options);
  const { url, close } = await emu.listen();
  const r = { emulator: emu, url, close };
  running.push(r);
  return r;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

const logged: string[] = [];
const captureLogger: Logger = Object.fromEntries(
  (['debug', 'info', 'warn', 'error'] as const).map((level) => [level, (fields: Record<string, unknown>, message: string) => logged.push(JSON.stringify({ level, message, ...fields }))]),
) as unknown as Logger;

function client(url: string, settings: Partial<BmsClientConfigInput> = {}): BmsClient {
  return new BmsClient(
    { baseUrl: url, tenant: DEFAULT_API_USER.tenant, userName: DEFAULT_API_USER.userName, password: DEFAULT_API_USER.password, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 }, ...settings },
    { logger: captureLogger, rateLimiter: new EndpointRateLimiter({ perWindow: 1500, windowMs: 3_600_000 }) },
  );
}

const count = (emu: BmsEmulator, endpoint: string): number => emu.calls.filter((c) => c === endpoint).length;
const DEPARTMENTS = 'GET /v2/admin/hr/departments/lookup';
const SEARCH = 'GET /v2/hr/employees/searchselect';

async function failureOf(promise: Promise<unknown>): Promise<BmsError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof BmsError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('tokens', () => {
  test('one authentication serves many concurrent calls', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url);
    await Promise.all([bms.findEmployeeByEmail('bob.boss@contoso.com'), bms.lookups.list('department'), bms.lookups.list('location'), bms.findEmployeeByEmail('x@y.z')]);
    expect(emu.tokens.issued).toBe(1);
    expect(count(emu, 'POST /v2/security/authenticate')).toBe(1);
  });

  test('a token about to expire is refreshed before use', async () => {
    const { emulator: emu, url } = await emulator({ accessTokenTtlMs: 60_000 });
    const bms = client(url, { tokenRefreshMarginMs: 59_990 });
    await bms.findEmployeeByEmail('bob.boss@contoso.com');
    await new Promise((r) => setTimeout(r, 20));
    await bms.findEmployeeByEmail('bob.boss@contoso.com');
    expect(count(emu, 'POST /v2/security/refreshtoken')).toBe(1);
    expect(count(emu, 'POST /v2/security/authenticate')).toBe(1);
  });

  test('a token BMS no longer accepts (401) leads to one new authentication, and the call succeeds', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url);
    await bms.findEmployeeByEmail('bob.boss@contoso.com');
    emu.tokens.expireAll();
    expect((await bms.findEmployeeByEmail('bob.boss@contoso.com'))?.id).toBe(100);
    expect(count(emu, SEARCH)).toBe(3); // ok, 401, ok
    expect(emu.tokens.issued).toBe(2);
  });

  test('refused credentials fail at once with an error that names user and tenant, never the password', async () => {
    const { emulator: emu, url } = await emulator();
    const err = await failureOf(client(url, { password: 'wrong-password-123' }).findEmployeeByEmail('a@b.c'));
    expect(err.kind).toBe('auth');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`BMS refused the API user '${DEFAULT_API_USER.userName}' for tenant '${DEFAULT_API_USER.tenant}'`);
    expect(err.message).not.toContain('wrong-password-123');
    expect(count(emu, 'POST /v2/security/authenticate')).toBe(1);
  });
});

describe('retries', () => {
  test('a burst of 5xx is retried with backoff until BMS answers', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url);
    await bms.lookups.list('location'); // token first
    emu.setFaults({ failNext: { count: 2, status: 503 } });
    expect(await bms.lookups.resolve('department', 'Sales')).toBe(3);
    expect(count(emu, DEPARTMENTS)).toBe(3);
  });

  test('5xx beyond the attempts fails as a retryable server error naming the endpoint', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url);
    await bms.lookups.list('location');
    emu.setFaults({ failNext: { count: 10, status: 502 } });
    const err = await failureOf(bms.lookups.list('department'));
    expect(err).toMatchObject({ kind: 'server', retryable: true });
    expect(err.message).toContain(`${DEPARTMENTS}: BMS answered 502`);
    expect(count(emu, DEPARTMENTS)).toBe(3);
  });

  test("429 is retried after the server's Retry-After", async () => {
    const { emulator: emu, url } = await emulator({ rateLimitPerHour: 2, rateWindowMs: 1000 });
    const bms = client(url);
    for (let i = 0; i < 3; i++) await bms.findEmployeeByEmail('bob.boss@contoso.com');
    expect(emu.rateLimit.rejected).toBe(1);
    expect(count(emu, SEARCH)).toBe(4);
  });

  test('a 429 asking for a longer wait than allowed fails as retryable instead of holding the caller', async () => {
    const { emulator: emu, url } = await emulator({ rateLimitPerHour: 1 });
    const bms = client(url, { retry: { attempts: 3, baseDelayMs: 5, maxRetryAfterMs: 10_000 } });
    await bms.findEmployeeByEmail('bob.boss@contoso.com');
    const err = await failureOf(bms.findEmployeeByEmail('bob.boss@contoso.com'));
    expect(err.kind).toBe('rate-limited');
    expect(err.retryable).toBe(true);
    expect(err.details.retryAfterMs).toBeGreaterThan(10_000);
    expect(count(emu, SEARCH)).toBe(2);
  });

  test('a slow server hits the timeout, is retried, and fails as a timeout', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url, { timeoutMs: 100 });
    await bms.lookups.list('location');
    emu.setFaults({ latencyMs: 400 });
    const err = await failureOf(bms.lookups.list('department'));
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
    expect(err.message).toContain(`${DEPARTMENTS}: no answer within 100 ms`);
    expect(count(emu, DEPARTMENTS)).toBe(3);
  });

  test('a server that accepts and never answers also ends in a timeout', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url, { timeoutMs: 100, retry: { attempts: 1 } });
    await bms.lookups.list('location');
    emu.setFaults({ hang: true });
    expect((await failureOf(bms.lookups.list('department'))).kind).toBe('timeout');
  });

  test('a server that is down fails as a transport error', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url);
    await bms.lookups.list('location');
    emu.setFaults({ down: true });
    const err = await failureOf(bms.lookups.list('department'));
    expect(err).toMatchObject({ kind: 'transport', retryable: true });
  });

  test('a validation error is never retried and names the field', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url);
    const err = await failureOf(bms.createEmployee({ ...newEmployee('v.err'), departmentId: 99 }));
    expect(err).toMatchObject({ kind: 'rejected', retryable: false });
    expect(err.details.subErrors).toEqual(['DepartmentId: no department with id 99']);
    expect(count(emu, 'POST /v2/hr/employees')).toBe(1);
  });

  test('an answer that is not what the endpoint returns is an error saying which endpoint answered what', async () => {
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v2/security/authenticate')) res.end(JSON.stringify({ success: true, result: { accessToken: 't', accessTokenExpireOn: '2999-01-01T00:00:00Z' } }));
      else res.end(JSON.stringify({ success: true, result: [{ id: 'seven', name: 7 }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const err = await failureOf(client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`).lookups.list('department'));
      expect(err.kind).toBe('unexpected');
      expect(err.message).toMatch(/^GET \/v2\/admin\/hr\/departments\/lookup: BMS answered 200 with an unexpected body .*result\[0\]\.id/);
      expect(err.message).toContain('"id":"seven"');
    } finally {
      server.close();
    }
  });
});

describe('the rate limiter', () => {
  test('queues callers so BMS never sees more than the limit per endpoint', async () => {
    const { emulator: emu, url } = await emulator({ rateLimitPerHour: 3, rateWindowMs: 400 });
    const bms = new BmsClient(
      { baseUrl: url, tenant: DEFAULT_API_USER.tenant, userName: DEFAULT_API_USER.userName, password: DEFAULT_API_USER.password },
      { rateLimiter: new EndpointRateLimiter({ perWindow: 3, windowMs: 450 }) },
    );
    const found = await Promise.all(Array.from({ length: 8 }, () => bms.findEmployeeByEmail('dana.dispatch@contoso.com')));
    expect(found.map((e) => e?.id)).toEqual(Array(8).fill(102));
    expect(emu.rateLimit.rejected).toBe(0);
    expect(count(emu, SEARCH)).toBe(8);
  });

  test('higher priority callers waiting on the same endpoint go first', async () => {
    const limiter = new EndpointRateLimiter({ perWindow: 1, windowMs: 50 });
    const order: string[] = [];
    await limiter.acquire('GET /x');
    const low = limiter.acquire('GET /x', 0).then(() => order.push('reconciler'));
    const high = limiter.acquire('GET /x', 10).then(() => order.push('login'));
    await Promise.all([low, high]);
    expect(order).toEqual(['login', 'reconciler']);
  });
});

describe('lookups and name resolution', () => {
  test('names resolve ignoring case and spacing; ids are checked; lookups are cached', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url);
    expect(await bms.lookups.resolve('department', 'service desk')).toBe(1);
    expect(await bms.lookups.resolve('department', '  Service   DESK ')).toBe(1);
    expect(await bms.lookups.resolve('department', '3')).toBe(3);
    expect(await bms.lookups.resolve('employmentType', 'full time')).toBe(1);
    expect(await bms.lookups.resolve('securityRole', 'Technician')).toBe(2);
    expect(await bms.lookups.resolve('manager', 'bob boss')).toBe(100);
    expect(count(emu, DEPARTMENTS)).toBe(1);
  });

  test('an ambiguous name is refused, naming every candidate', async () => {
    const { url } = await emulator();
    const err = await failureOf(client(url).lookups.resolve('department', 'Field Services'));
    expect(err.kind).toBe('lookup');
    expect(err.message).toBe("BMS department name 'Field Services' is ambiguous: it matches 'Field Services' (id 4), 'field  services' (id 5); write the id instead");
  });

  test('an unknown name or id is refused, listing what exists', async () => {
    const { url } = await emulator();
    const bms = client(url);
    expect((await failureOf(bms.lookups.resolve('jobTitle', 'Wizard'))).message).toMatch(/^BMS has no job title named 'Wizard'; known: 'Technician' \(id 1\), 'Senior Technician' \(id 2\)/);
    expect((await failureOf(bms.lookups.resolve('location', 99))).message).toMatch(/^BMS has no location with id 99; known: 'Head Office' \(id 1\)/);
  });
});

describe('employees', () => {
  test('findEmployeeByEmail matches the exact address ignoring case, across all pages', async () => {
    const { emulator: emu, url } = await emulator();
    for (const name of ['joann', 'leeann', 'ann']) emu.store.create({ userName: name, firstName: name, lastName: 'Test', emailAddress: `${name}@contoso.com`, ...ids() });
    const bms = client(url, { searchPageSize: 1 });
    expect((await bms.findEmployeeByEmail('ANN@Contoso.com'))?.username).toBe('ann');
    expect(count(emu, SEARCH)).toBe(3);
    expect((await bms.findEmployeeByEmail('Margaret.Hamilton@Contoso.COM'))?.id).toBe(101);
    expect(await bms.findEmployeeByEmail('nobody@contoso.com')).toBeUndefined();
  });

  test('create, update, deactivate and reactivate through the write contract', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url);
    const created = await bms.createEmployee(newEmployee('grace.hopper'));
    expect(created).toMatchObject({ userName: 'grace.hopper', departmentId: 1, isActive: true });
    expect((await bms.updateEmployee(created.id, { firstName: 'Amazing', lastName: 'Grace' })).firstName).toBe('Amazing');
    expect((await bms.deactivateEmployee(created.id)).isActive).toBe(false);
    expect((await bms.reactivateEmployee(created.id)).isActive).toBe(true);
    expect(emu.store.get(created.id)).toMatchObject({ firstName: 'Amazing', lastName: 'Grace', isActive: true });
    const dup = await failureOf(bms.createEmployee(newEmployee('GRACE.HOPPER')));
    expect(dup.details.subErrors).toEqual(["UserName: an employee with user name 'GRACE.HOPPER' already exists"]);
  });
});

test('no secret ever reaches the log', async () => {
  const { emulator: emu, url } = await emulator();
  logged.length = 0;
  const bms = client(url);
  await bms.lookups.list('department');
  emu.tokens.expireAll();
  emu.setFaults({ failNext: { count: 1, status: 503 } });
  await bms.lookups.list('location');
  const text = logged.join('\n');
  expect(logged.length).toBeGreaterThan(2);
  expect(text).not.toContain(DEFAULT_API_USER.password);
  expect(text).not.toMatch(/emu-(at|rt)-/);
});

function ids(): Record<string, number> {
  return { accountId: 1, departmentId: 1, locationId: 1, jobTitleId: 1, employmentTypeId: 1, securityRoleId: 2, employeeRoleId: 1 };
}

function newEmployee(userName: string) {
  return { userName, firstName: 'Grace', lastName: 'Hopper', emailAddress: `${userName}@contoso.com`, accountId: 1, departmentId: 1, locationId: 1, jobTitleId: 1, employmentTypeId: 1, securityRoleId: 2, employeeRoleId: 1 };
}

describe('finding the employee a person already has', () => {
  test('by e-mail, else by BMS user name (a person whose e-mail changed); one search when both are the same text', async () => {
    const { emulator: emu, url } = await emulator();
    const bms = client(url);
    const byEmail = await bms.findEmployeeOf('bob.boss@contoso.com', 'bob.boss@contoso.com');
    expect(byEmail?.id).toBe(100);
    expect(count(emu, SEARCH)).toBe(1);
    const byUserName = await bms.findEmployeeOf('bob.new.address@contoso.com', byEmail?.username ?? '');
    expect(byUserName?.id).toBe(100);
    expect(count(emu, SEARCH)).toBe(3);
    expect(await bms.findEmployeeOf('nobody@contoso.com', 'nobody@contoso.com')).toBeUndefined();
  });
});

describe('a create is never retried blindly', () => {
  test('BMS commits the create but the answer is lost (500): the client does not send it again', async () => {
    const { emulator: emu, url } = await emulator();
    emu.setFaults({ commitThenFail: { count: 1, status: 500 }, path: '/v2/hr/employees', method: 'POST' });
    const bms = client(url);
    const before = emu.store.all().length;
    const err = await failureOf(bms.createEmployee({ userName: 'blind.retry@contoso.com', firstName: 'Blind', lastName: 'Retry', emailAddress: 'blind.retry@contoso.com', accountId: 1, departmentId: 1, locationId: 1, jobTitleId: 1, employmentTypeId: 1, securityRoleId: 2, employeeRoleId: 1 }));
    expect(err.kind).toBe('server');
    expect(emu.calls.filter((c) => c === 'POST /v2/hr/employees')).toHaveLength(1);
    expect(emu.store.all().length).toBe(before + 1);
  });
});
