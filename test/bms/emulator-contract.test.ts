import { createBmsEmulator, DEFAULT_API_USER } from '../bms-emulator/server';
import { documentedOperations, lowerKeys, responseValidator } from './openapi-contract';

let base: string;
let close: () => Promise<void>;
let token: string;

beforeAll(async () => {
  ({ url: base, close } = await createBmsEmulator().listen());
  token = (await authenticate()).result.accessToken;
});
afterAll(() => close());

async function authenticate(): Promise<{ result: { accessToken: string; refreshToken: string } }> {
  const res = await fetch(`${base}/v2/security/authenticate`, {
    method: 'POST',
    body: new URLSearchParams({ grantType: 'password', userName: DEFAULT_API_USER.userName, password: DEFAULT_API_USER.password, tenant: DEFAULT_API_USER.tenant }),
  });
  return (await res.json()) as { result: { accessToken: string; refreshToken: string } };
}

const calls: [string, string, string, RequestInit?][] = [
  ['get', '/v2/admin/hr/departments/lookup', '/v2/admin/hr/departments/lookup'],
  ['get', '/v2/admin/hr/jobtitles/lookup', '/v2/admin/hr/jobtitles/lookup'],
  ['get', '/v2/admin/security/roles/lookup', '/v2/admin/security/roles/lookup?Name=tech&PageSize=10&PageNumber=1'],
  ['get', '/v2/system/roles/lookup', '/v2/system/roles/lookup'],
  ['get', '/v2/system/locations/lookup', '/v2/system/locations/lookup'],
  ['get', '/v2/crm/accounts/lookup', '/v2/crm/accounts/lookup?Filter.WithInactiveAccounts=true'],
  ['get', '/v2/system/lookup/{tableName}', '/v2/system/lookup/EmploymentType'],
  ['get', '/v2/hr/employees/lookup', '/v2/hr/employees/lookup?Filter.Name=ham'],
  ['get', '/v2/hr/employees/searchselect', '/v2/hr/employees/searchselect?Filter.Filter_Text=contoso&PageSize=2&PageNumber=1'],
  ['get', '/v2/hr/employees/searchselect', '/v2/hr/employees/searchselect?Filter.Filter_Text=nobody-matches-this'],
];

describe('the emulator answers the documented V2 operations in the documented shape (names compared case-insensitively)', () => {
  test('every operation of the subset fixture is exercised here', () => {
    const covered = new Set([...calls.map(([m, p]) => `${m} ${p}`), 'post /v2/security/authenticate', 'post /v2/security/refreshtoken']);
    expect(documentedOperations().map(([m, p]) => `${m} ${p}`).filter((op) => !covered.has(op))).toEqual([]);
  });

  test.each(calls)('%s %s (%s)', async (method, path, url) => {
    const res = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    const body = (await res.json()) as { success: boolean; result: unknown[] };
    expect(res.status).toBe(200);
    expect(body.success).toBe(true);
    expect(body.result.length).toBeGreaterThan(url.includes('nobody') ? -1 : 0);
    const validate = responseValidator(method, path);
    expect(validate(lowerKeys(body)) ? [] : validate.errors).toEqual([]);
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['success', 'error', 'result'])); // camelCase on the wire
  });

  test('authenticate (form-urlencoded) and refreshtoken (multipart) answer TokenOutputDtoResponse', async () => {
    const auth = await authenticate();
    expect(responseValidator('post', '/v2/security/authenticate')(lowerKeys(auth))).toBe(true);
    const form = new FormData();
    form.set('AccessToken', auth.result.accessToken);
    form.set('REFRESHTOKEN', auth.result.refreshToken);
    const refreshed = await (await fetch(`${base}/v2/security/refreshtoken`, { method: 'POST', body: form })).json();
    const validate = responseValidator('post', '/v2/security/refreshtoken');
    expect(validate(lowerKeys(refreshed)) ? [] : validate.errors).toEqual([]);
  });

  test('an error answer fits the envelope too (ErrorInfo, with its misspelt StackStrace)', async () => {
    const res = await fetch(`${base}/v2/admin/hr/departments/lookup`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(res.status).toBe(401);
    const validate = responseValidator('get', '/v2/admin/hr/departments/lookup');
    expect(validate(lowerKeys(await res.json()))).toBe(true);
  });
});
