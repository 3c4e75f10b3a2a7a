import { createBmsEmulator, DEFAULT_API_USER, EmulatorOptions } from '../bms-emulator/server';

let clock = 1_000_000;
let close: (() => Promise<void>) | undefined;

async function start(options: EmulatorOptions = {}): Promise<string> {
  const { url, close: stop } = await createBmsEmulator({ now: () => clock, ...options }).listen();
  close = stop;
  return url;
}
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function token(base: string): Promise<string> {
  const form = new FormData(); // multipart, with PascalCase names as the OpenAPI document writes them
  for (const [k, v] of Object.entries({ GrantType: 'password', UserName: DEFAULT_API_USER.userName.toUpperCase(), Password: DEFAULT_API_USER.password, Tenant: ' contoso msp ' })) form.set(k, v);
  const body = (await (await fetch(`${base}/v2/security/authenticate`, { method: 'POST', body: form })).json()) as { result: { accessToken: string } };
  return body.result.accessToken;
}

const get = (base: string, path: string, bearer?: string): Promise<Response> => fetch(`${base}${path}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

describe('the BMS emulator', () => {
  test('refuses wrong credentials with the envelope and 401', async () => {
    const base = await start();
    const res = await fetch(`${base}/v2/security/authenticate`, { method: 'POST', body: new URLSearchParams({ grantType: 'password', userName: DEFAULT_API_USER.userName, password: 'nope', tenant: DEFAULT_API_USER.tenant }) });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, result: null, error: { code: 401, message: 'Invalid user name, password or tenant', details: null, stackStrace: null, subErrors: null } });
  });

  test('401 for a missing, unknown or expired bearer token', async () => {
    const base = await start({ accessTokenTtlMs: 1000 });
    const bearer = await token(base);
    expect((await get(base, '/v2/system/locations/lookup', bearer)).status).toBe(200);
    expect((await get(base, '/v2/system/locations/lookup')).status).toBe(401);
    expect((await get(base, '/v2/system/locations/lookup', 'made-up')).status).toBe(401);
    clock += 1001;
    const expired = await get(base, '/v2/system/locations/lookup', bearer);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { message: string } }).error.message).toBe('The access token has expired');
  });

  test('answers 429 with Retry-After once an endpoint has had its calls for the hour, per endpoint', async () => {
    const base = await start({ rateLimitPerHour: 2, accessTokenTtlMs: 10 * 3_600_000 });
    const bearer = await token(base);
    for (let i = 0; i < 2; i++) expect((await get(base, '/v2/system/locations/lookup', bearer)).status).toBe(200);
    const limited = await get(base, '/v2/system/locations/lookup', bearer);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect((await get(base, '/v2/system/roles/lookup', bearer)).status).toBe(200); // another endpoint has its own budget
    clock += 3_600_001;
    expect((await get(base, '/v2/system/locations/lookup', bearer)).status).toBe(200);
  });

  test('create validates like a server: required fields, unknown ids, e-mail format, with one sub-error per field', async () => {
    const base = await start();
    const bearer = await token(base);
    const res = await fetch(`${base}/v2/hr/employees`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'new.one', FIRSTNAME: 'New', emailAddress: 'not-an-address', departmentId: 42, accountId: 1, locationId: 1, jobTitleId: 1, employmentTypeId: 1, securityRoleId: 2, employeeRoleId: 1, managerId: 'boss' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { success: boolean; error: { subErrors: string[] } };
    expect(body.success).toBe(false);
    expect(body.error.subErrors).toEqual(['LastName: is required', "EmailAddress: 'not-an-address' is not an e-mail address", 'DepartmentId: no department with id 42', 'ManagerId: must be an integer id']);
  });

  test('a malformed JSON body is a 400 envelope, not a crash', async () => {
    const base = await start();
    const bearer = await token(base);
    const res = await fetch(`${base}/v2/hr/employees`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: '{"userName":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { success: boolean }).success).toBe(false);
  });

  test('searchselect pages with totalRecords and filters on IsActive', async () => {
    const base = await start();
    const bearer = await token(base);
    const page2 = (await (await get(base, '/v2/hr/employees/searchselect?filter.filter_text=CONTOSO&pageSize=3&pageNumber=2', bearer)).json()) as { result: { id: number }[]; totalRecords: number };
    expect(page2.totalRecords).toBe(4);
    expect(page2.result.map((e) => e.id)).toEqual([103]);
    const inactive = (await (await get(base, '/v2/hr/employees/searchselect?Filter.IsActive=false', bearer)).json()) as { result: { id: number }[] };
    expect(inactive.result.map((e) => e.id)).toEqual([103]);
  });

  test('an API user with MFA needs the code (MFACode field, any casing)', async () => {
    const user = { userName: 'mfa.user@contoso.example', password: 'emulator-only-password', tenant: 'Contoso MSP', mfaCode: '123456' };
    const base = await start({ users: [user] });
    const attempt = (extra: Record<string, string>): Promise<Response> =>
      fetch(`${base}/v2/security/authenticate`, { method: 'POST', body: new URLSearchParams({ grantType: 'password', userName: user.userName, password: user.password, tenant: user.tenant, ...extra }) });
    const without = await attempt({});
    expect(without.status).toBe(401);
    expect(((await without.json()) as { error: { subErrors: string[] } }).error.subErrors).toEqual(['MFACode: is missing or wrong']);
    expect((await attempt({ MFACode: '123456' })).status).toBe(200);
  });

  test('an injected error rate answers 500 in the envelope, and only on the path prefix asked for', async () => {
    const base = await start();
    const bearer = await token(base);
    await fetch(`${base}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1, pathPrefix: '/v2/hr' }) });
    const failed = await get(base, '/v2/hr/employees/lookup', bearer);
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as { error: { message: string } }).error.message).toBe('Injected server error');
    expect((await get(base, '/v2/system/locations/lookup', bearer)).status).toBe(200);
  });

  test('fault controls over HTTP are validated', async () => {
    const base = await start();
    const res = await fetch(`${base}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 2 }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^invalid faults: errorRate: /);
  });
});
