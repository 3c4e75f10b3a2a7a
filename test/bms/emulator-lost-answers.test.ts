import { createBmsEmulator, DEFAULT_API_USER, BmsEmulator } from '../bms-emulator/server';

/**
 * The emulator's fault modes for writes whose answer is lost (BMS committed, the client saw a 5xx or nothing), and
 * its lenient mode that accepts a user name another employee has: what a client that retries a create blindly meets.
 */
let emulator: BmsEmulator;
let base: string;
let close: () => Promise<void>;

beforeEach(async () => {
  emulator = createBmsEmulator();
  const api = await emulator.listen();
  base = api.url;
  close = api.close;
});
afterEach(async () => {
  await close();
});

async function bearer(): Promise<string> {
  const res = await fetch(`${base}/v2/security/authenticate`, { method: 'POST', body: new URLSearchParams({ grantType: 'password', ...DEFAULT_API_USER }) });
  return ((await res.json()) as { result: { accessToken: string } }).result.accessToken;
}

const newEmployee = (userName: string, emailAddress = `${userName}@contoso.com`): Record<string, unknown> => ({
  UserName: userName, FirstName: 'Lost', LastName: 'Answer', EmailAddress: emailAddress,
  AccountId: 1, DepartmentId: 1, LocationId: 1, JobTitleId: 1, EmploymentTypeId: 1, SecurityRoleId: 2, EmployeeRoleId: 1,
});

const create = async (token: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> =>
  fetch(`${base}/v2/hr/employees`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal });

const faults = (body: unknown): Promise<Response> => fetch(`${base}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const named = (userName: string) => emulator.store.all().filter((e) => e.userName === userName);

describe('commitThenFail: the write is carried out, its answer lost', () => {
  test('with a status: the create is committed and answered 500 in the envelope, once; searches are not touched', async () => {
    const token = await bearer();
    expect((await faults({ commitThenFail: { count: 1, status: 500 }, path: '/v2/hr/employees', method: 'POST' })).status).toBe(200);
    const search = await fetch(`${base}/v2/hr/employees/searchselect?Filter.Filter_Text=lost.once`, { headers: { authorization: `Bearer ${token}` } });
    expect(search.status).toBe(200); // GET on another path: not affected, and the count is not spent

    const lost = await create(token, newEmployee('lost.once'));
    expect(lost.status).toBe(500);
    expect(await lost.json()).toMatchObject({ success: false, result: null, error: { code: 500, message: 'Injected server error after the request was carried out' } });
    expect(named('lost.once')).toEqual([expect.objectContaining({ emailAddress: 'lost.once@contoso.com', isActive: true })]);

    const next = await create(token, newEmployee('lost.twice'));
    expect(next.status).toBe(200); // count 1: only the first
    expect(emulator.callLog.filter((c) => c.method === 'POST' && c.url === '/v2/hr/employees').map((c) => c.fault ?? 'none')).toEqual(['commit-then-500', 'none']);
  });

  test('with hang: the create is committed and never answered, so the client times out', async () => {
    const token = await bearer();
    emulator.setFaults({ commitThenFail: { count: 1, hang: true }, path: '/v2/hr/employees' });
    await expect(create(token, newEmployee('lost.hang'), AbortSignal.timeout(300))).rejects.toThrow();
    expect(named('lost.hang')).toHaveLength(1);
    expect(emulator.callLog.at(-1)).toMatchObject({ method: 'POST', url: '/v2/hr/employees', fault: 'commit-then-hang' });
  });

  test('a refused write stays refused, only its answer is replaced; reads on the exact path only', async () => {
    const token = await bearer();
    emulator.setFaults({ commitThenFail: { count: 2, status: 503 }, path: '/v2/hr/employees' });
    expect((await create(token, { UserName: 'no.names' })).status).toBe(503);
    expect(named('no.names')).toEqual([]);
    const deactivate = await fetch(`${base}/v2/hr/employees/102/deactivate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(deactivate.status).toBe(200); // another path: untouched
  });

  test('the new controls are validated like the others', async () => {
    const bad = await faults({ commitThenFail: { count: 1, status: 404 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^invalid faults: commitThenFail\.status: /);
    expect((await faults({ method: 'FETCH' })).status).toBe(400);
  });
});

describe('method and path filters', () => {
  test('failNext only for POST leaves GETs on the same prefix alone', async () => {
    const token = await bearer();
    emulator.setFaults({ failNext: { count: 1, status: 503 }, pathPrefix: '/v2/hr/employees', method: 'POST' });
    expect((await fetch(`${base}/v2/hr/employees/101`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await create(token, newEmployee('post.only'))).status).toBe(503);
    expect(named('post.only')).toEqual([]);
  });
});

describe('allowDuplicateUserNames', () => {
  test('off by default: a second employee with the same user name (in another case) is refused', async () => {
    const token = await bearer();
    expect((await create(token, newEmployee('dup.user'))).status).toBe(200);
    const second = await create(token, newEmployee('DUP.user', 'other@contoso.com'));
    expect(second.status).toBe(400);
    expect(((await second.json()) as { error: { subErrors: string[] } }).error.subErrors).toEqual(["UserName: an employee with user name 'DUP.user' already exists"]);
  });

  test('on, over HTTP: a lenient server accepts it, as it accepts a rename onto a taken user name', async () => {
    const token = await bearer();
    const set = await fetch(`${base}/_emulator/settings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ allowDuplicateUserNames: true, rateLimitPerHour: true }) });
    expect(((await set.json()) as { settings: Record<string, unknown> }).settings).toMatchObject({ allowDuplicateUserNames: true, rateLimitPerHour: 1500 });
    expect((await create(token, newEmployee('twin'))).status).toBe(200);
    expect((await create(token, newEmployee('twin'))).status).toBe(200);
    expect(named('twin')).toHaveLength(2);
    const rename = await fetch(`${base}/v2/hr/employees/102`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/UserName', value: 'twin' }]),
    });
    expect(rename.status).toBe(200);
    expect(named('twin')).toHaveLength(3);
    emulator.settings.allowDuplicateUserNames = false; // in process too, read at each write
    expect((await create(token, newEmployee('twin'))).status).toBe(400);
  });
});
