import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';

import { Bag, pickBool, pickInt, pickIntList, pickString } from './case-insensitive';
import { EmployeeStore } from './employee-store';
import { fail, ok, ValidationFailure } from './envelope';
import { Faults, FaultsInput, faultsSchema, noFaults } from './faults';
import { EndpointRateLimit } from './rate-limit';
import { defaultSeed, Employee, Seed } from './seed';
import { ApiUser, TokenIssuer } from './tokens';

export interface EmulatorSettings {
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  rateLimitPerHour: number;
  rateWindowMs: number;
  /** a lenient server: a create or update with a user name another employee has is accepted (default false: refused) */
  allowDuplicateUserNames: boolean;
}

export interface EmulatorOptions extends Partial<EmulatorSettings> {
  seed?: Seed;
  users?: ApiUser[];
  /** the emulator's clock; tests move it to expire tokens or empty rate windows */
  now?: () => number;
}

/** The API user the emulator accepts out of the box (obviously fake credentials). */
export const DEFAULT_API_USER: ApiUser = { userName: 'api.provisioning@contoso.example', password: 'emulator-only-password', tenant: 'Contoso MSP' };

export interface BmsEmulator {
  app: express.Express;
  store: EmployeeStore;
  seed: Seed;
  settings: EmulatorSettings;
  tokens: TokenIssuer;
  rateLimit: EndpointRateLimit;
  /** every /v2 request in order, as it arrived (faulty or not): "METHOD /path" */
  calls: string[];
  /** the same requests with their query strings and JSON bodies, for "which calls were about this person" */
  callLog: CallRecord[];
  setFaults(faults: FaultsInput): void;
  listen(port?: number, host?: string): Promise<{ url: string; server: Server; close(): Promise<void> }>;
}

/** One /v2 request as it arrived: the full URL (query included) and the JSON body, if any. */
export interface CallRecord {
  at: number;
  method: string;
  url: string;
  body?: unknown;
  /** the injected fault that met this request, if any: 'down', 'hang', 'failNext', 'errorRate', 'commit-then-500', 'commit-then-hang', … */
  fault?: string;
}

/** A BMS V2 API emulator: envelope, camelCase output, case-insensitive input, tokens, rate limit, faults. */
export function createBmsEmulator(options: EmulatorOptions = {}): BmsEmulator {
  const now = options.now ?? Date.now;
  const seed = options.seed ?? defaultSeed();
  const users = options.users ?? [DEFAULT_API_USER];
  const settings: EmulatorSettings = {
    accessTokenTtlMs: options.accessTokenTtlMs ?? 60 * 60_000,
    refreshTokenTtlMs: options.refreshTokenTtlMs ?? 7 * 24 * 60 * 60_000,
    rateLimitPerHour: options.rateLimitPerHour ?? 1500,
    rateWindowMs: options.rateWindowMs ?? 60 * 60_000,
    allowDuplicateUserNames: options.allowDuplicateUserNames ?? false,
  };
  const tokens = new TokenIssuer(() => settings.accessTokenTtlMs, () => settings.refreshTokenTtlMs, now);
  const rateLimit = new EndpointRateLimit(() => settings.rateLimitPerHour, () => settings.rateWindowMs, now);
  const store = new EmployeeStore(seed, now, { allowDuplicateUserNames: () => settings.allowDuplicateUserNames });
  const calls: string[] = [];
  const callLog: CallRecord[] = [];
  let faults = noFaults();

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use('/_emulator', express.json(), controlRoutes());
  app.use('/v2', (req, res, next) => {
    calls.push(`${req.method} ${req.originalUrl.split('?')[0]}`);
    const call: CallRecord = { at: now(), method: req.method, url: req.originalUrl };
    callLog.push(call);
    res.locals.call = call; // its body is added once parsed (below); a faulted call keeps none
    next();
  });
  app.use('/v2', injectFaults(() => faults));
  app.use(express.json({ type: ['application/json', 'application/json-patch+json', 'text/json', 'application/*+json'], limit: '1mb' }));
  app.use(express.urlencoded({ extended: false }));
  app.use(multer().none());
  app.use('/v2', (req, res, next) => {
    const call = res.locals.call as CallRecord;
    call.body = req.body as unknown;
    next();
  });

  const route = (method: 'get' | 'post' | 'patch', path: string, auth: boolean, handler: (req: Request, res: Response, tenant: string) => void): void => {
    const endpoint = `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`;
    const guarded: RequestHandler = (req, res) => {
      const tenant = auth ? bearerTenant(req, res) : pickString(req.body as Bag, 'tenant') ?? '';
      if (tenant === undefined) return;
      const retryAfter = rateLimit.take(tenant, endpoint);
      if (retryAfter !== undefined) {
        res.setHeader('Retry-After', String(retryAfter));
        fail(res, 429, 429, `API call limit reached: ${settings.rateLimitPerHour} calls per hour for ${endpoint}. Retry after ${retryAfter} s.`);
        return;
      }
      handler(req, res, tenant);
    };
    app[method](path, guarded);
  };

  function bearerTenant(req: Request, res: Response): string | undefined {
    const header = req.get('authorization') ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      fail(res, 401, 401, 'Authorization header with a Bearer token is required');
      return undefined;
    }
    const grant = tokens.check(token);
    if (grant === 'unknown' || grant === 'expired') {
      res.setHeader('WWW-Authenticate', `Bearer error="invalid_token", error_description="The token is ${grant === 'expired' ? 'expired' : 'not valid'}"`);
      fail(res, 401, 401, grant === 'expired' ? 'The access token has expired' : 'The access token is not valid');
      return undefined;
    }
    return grant.tenant;
  }

  // --- security ---
  route('post', '/v2/security/authenticate', false, (req, res) => {
    const body = req.body as Bag;
    const grantType = pickString(body, 'grantType');
    if (!grantType) return fail(res, 400, 400, 'GrantType is required', ['GrantType: is required']);
    if (grantType.toLowerCase() !== 'password') return fail(res, 400, 400, `GrantType '${grantType}' is not supported by this emulator`, [`GrantType: only 'password' is supported`]);
    const [userName, password, tenant] = ['userName', 'password', 'tenant'].map((f) => pickString(body, f) ?? '');
    const user = users.find((u) => u.userName.toLowerCase() === userName.toLowerCase() && u.password === password && u.tenant.toLowerCase() === tenant.trim().toLowerCase());
    if (!user) return fail(res, 401, 401, 'Invalid user name, password or tenant');
    if (user.mfaCode && pickString(body, 'mfaCode') !== user.mfaCode) return fail(res, 401, 401, 'A valid MFA code is required for this user', ['MFACode: is missing or wrong']);
    ok(res, tokens.issue(user.tenant, user.userName));
  });

  route('post', '/v2/security/refreshtoken', false, (req, res) => {
    const body = req.body as Bag;
    const accessToken = pickString(body, 'accessToken');
    if (!accessToken) return fail(res, 400, 400, 'AccessToken is required', ['AccessToken: is required']);
    const pair = tokens.refresh(accessToken, pickString(body, 'refreshToken') ?? '');
    if (!pair) return fail(res, 401, 401, 'The refresh token is not valid for this access token, or has expired');
    ok(res, pair);
  });

  // --- lookups ---
  const list = <T>(rows: T[]) => (_req: Request, res: Response): void => ok(res, rows);
  route('get', '/v2/admin/hr/departments/lookup', true, list(seed.departments));
  route('get', '/v2/admin/hr/jobtitles/lookup', true, list(seed.jobTitles));
  route('get', '/v2/system/roles/lookup', true, list(seed.employeeRoles));
  route('get', '/v2/system/locations/lookup', true, list(seed.locations));
  route('get', '/v2/admin/security/roles/lookup', true, (req, res) => {
    const name = pickString(req.query as Bag, 'name')?.toLowerCase();
    const rows = seed.securityRoles.filter((r) => !name || r.name.toLowerCase().includes(name));
    ok(res, page(req.query as Bag, rows).rows);
  });
  route('get', '/v2/crm/accounts/lookup', true, (req, res) => {
    const q = req.query as Bag;
    const ids = pickIntList(q, 'Filter.Ids');
    const name = pickString(q, 'Filter.Name')?.toLowerCase();
    const inactive = pickBool(q, 'Filter.WithInactiveAccounts') ?? false;
    const rows = seed.accounts.filter((a) => (!ids.length || ids.includes(a.id)) && (!name || a.name.toLowerCase().includes(name)) && (inactive || a.isActive));
    ok(res, page(q, rows).rows);
  });
  route('get', '/v2/system/lookup/:tableName', true, (req, res) => {
    const table = String(req.params.tableName).toLowerCase();
    if (table !== 'employmenttype') return fail(res, 404, 404, `Lookup table '${req.params.tableName}' does not exist`);
    ok(res, seed.employmentTypes);
  });
  route('get', '/v2/hr/employees/lookup', true, (req, res) => {
    const q = req.query as Bag;
    const ids = pickIntList(q, 'Filter.Ids');
    const name = pickString(q, 'Filter.Name')?.toLowerCase();
    const rows = store
      .all()
      .map((e) => ({ id: e.id, name: `${e.firstName} ${e.lastName}` }))
      .filter((e) => (!ids.length || ids.includes(e.id)) && (!name || e.name.toLowerCase().includes(name)));
    ok(res, page(q, rows).rows);
  });
  route('get', '/v2/hr/employees/searchselect', true, (req, res) => {
    const q = req.query as Bag;
    const ids = pickIntList(q, 'Filter.Ids');
    const text = pickString(q, 'Filter.Filter_Text')?.toLowerCase();
    const active = pickBool(q, 'Filter.IsActive');
    const rows = store
      .all()
      .filter((e) => (!ids.length || ids.includes(e.id)) && (active === undefined || e.isActive === active))
      .filter((e) => !text || [e.firstName, e.lastName, `${e.firstName} ${e.lastName}`, e.emailAddress, e.userName].some((v) => v.toLowerCase().includes(text)))
      .map((e) => ({ id: e.id, firstName: e.firstName, lastName: e.lastName, emailAddress: e.emailAddress, username: e.userName, jobTitle: seed.jobTitles.find((j) => j.id === e.jobTitleId)?.name ?? null, isActive: e.isActive }));
    const { rows: shown, total } = page(q, rows);
    ok(res, shown, total);
  });

  // --- employee writes: emulator-defined contract (the public V2 API has none) ---
  const employeeOr404 = (res: Response, employee: Employee | undefined, id: number): void => {
    if (employee) ok(res, detail(employee));
    else fail(res, 404, 404, `No employee with id ${id}`);
  };
  const idOf = (req: Request): number => Number(req.params.employeeId);
  route('get', '/v2/hr/employees/:employeeId', true, (req, res) => employeeOr404(res, store.get(idOf(req)), idOf(req)));
  route('post', '/v2/hr/employees', true, (req, res) => ok(res, detail(store.create((req.body ?? {}) as Bag))));
  route('patch', '/v2/hr/employees/:employeeId', true, (req, res) => employeeOr404(res, store.patch(idOf(req), req.body), idOf(req)));
  route('post', '/v2/hr/employees/:employeeId/deactivate', true, (req, res) => employeeOr404(res, store.setActive(idOf(req), false), idOf(req)));
  route('post', '/v2/hr/employees/:employeeId/reactivate', true, (req, res) => employeeOr404(res, store.setActive(idOf(req), true), idOf(req)));

  app.use((req, res) => fail(res, 404, 404, `No such endpoint: ${req.method} ${req.path}`));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ValidationFailure) return fail(res, 400, 400, 'Validation failed', err.subErrors);
    const status = (err as { status?: number }).status;
    if (status && status >= 400 && status < 500) return fail(res, status, status, `Bad request: ${(err as Error).message}`);
    fail(res, 500, 500, 'Internal server error', null, (err as Error).message);
  });

  function detail(e: Employee): Bag {
    const name = <T extends { id: number; name: string }>(rows: T[], id: number | null): string | null => rows.find((r) => r.id === id)?.name ?? null;
    const manager = e.managerId === null ? undefined : store.get(e.managerId);
    return {
      ...e,
      accountName: name(seed.accounts, e.accountId),
      departmentName: name(seed.departments, e.departmentId),
      locationName: name(seed.locations, e.locationId),
      jobTitleName: name(seed.jobTitles, e.jobTitleId),
      employmentTypeName: name(seed.employmentTypes, e.employmentTypeId),
      securityRoleName: name(seed.securityRoles, e.securityRoleId),
      employeeRoleName: name(seed.employeeRoles, e.employeeRoleId),
      managerName: manager ? `${manager.firstName} ${manager.lastName}` : null,
    };
  }

  function controlRoutes(): express.Router {
    const router = express.Router();
    router.get('/status', (_req, res) => res.json({ faults, settings, rateCounts: rateLimit.counts(), calls: calls.length, employees: store.all().length }));
    router.post('/faults', (req, res) => {
      const parsed = faultsSchema.safeParse(req.body ?? {});
      if (!parsed.success) return void res.status(400).json({ error: `invalid faults: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}` });
      faults = parsed.data;
      res.json({ faults });
    });
    router.delete('/faults', (_req, res) => {
      faults = noFaults();
      res.json({ faults });
    });
    router.post('/settings', (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const values = settings as unknown as Record<string, number | boolean>;
      for (const key of Object.keys(settings)) {
        const value = body[key];
        if (typeof values[key] === 'boolean' ? typeof value === 'boolean' : typeof value === 'number' && value > 0) values[key] = value as number | boolean;
      }
      res.json({ settings });
    });
    router.post('/expire-tokens', (_req, res) => {
      tokens.expireAll();
      res.json({ expired: true });
    });
    router.get('/employees', (_req, res) => res.json(store.all().map(detail)));
    // ?about=text: the calls whose URL (decoded) or body mentions the text, ignoring case: an e-mail, '/employees/101'
    router.get('/calls', (req, res) => {
      const about = String(req.query.about ?? '').toLowerCase();
      const mentions = (c: CallRecord): boolean => `${safeDecode(c.url)} ${JSON.stringify(c.body ?? '')}`.toLowerCase().includes(about);
      const found = callLog.filter((c) => !about || mentions(c));
      res.json({ count: found.length, calls: found });
    });
    return router;
  }

  return {
    app,
    store,
    seed,
    settings,
    tokens,
    rateLimit,
    calls,
    callLog,
    setFaults: (f) => (faults = faultsSchema.parse(f)),
    listen: (port = 0, host = '127.0.0.1') => listen(app, port, host),
  };
}

function safeDecode(url: string): string {
  try {
    return decodeURIComponent(url.replace(/\+/g, ' '));
  } catch {
    return url;
  }
}

/** V2 paging: PageNumber 1-based (0 or less means the first page), PageSize clamped to 1..500; none means all. */
function page<T>(query: Bag, rows: T[]): { rows: T[]; total: number } {
  const size = pickInt(query, 'PageSize');
  if (size === undefined || Number.isNaN(size)) return { rows, total: rows.length };
  const pageSize = Math.min(500, Math.max(1, size));
  const number = Math.max(1, pickInt(query, 'PageNumber') || 1);
  return { rows: rows.slice((number - 1) * pageSize, number * pageSize), total: rows.length };
}

function injectFaults(current: () => Faults): RequestHandler {
  return (req, res, next) => {
    const f = current();
    if (f.pathPrefix && !req.originalUrl.startsWith(f.pathPrefix)) return next();
    if (f.path !== undefined && req.originalUrl.split('?')[0] !== f.path) return next();
    if (f.method && req.method !== f.method) return next();
    const call = res.locals.call as CallRecord | undefined;
    const mark = (fault: string): void => void (call && (call.fault = fault));
    if (f.down) return void (mark('down'), req.socket.destroy());
    if (f.hang) return void mark('hang'); // never answered: the client's timeout must cope
    if (f.commitThenFail && f.commitThenFail.count > 0) {
      f.commitThenFail.count -= 1;
      const { status, hang } = f.commitThenFail;
      mark(hang ? 'commit-then-hang' : `commit-then-${status}`);
      loseAnswer(res, hang ? undefined : status);
      return f.latencyMs > 0 ? void setTimeout(next, f.latencyMs) : next();
    }
    if (f.failNext && f.failNext.count > 0) {
      f.failNext.count -= 1;
      mark('failNext');
      return void setTimeout(() => fail(res, f.failNext?.status ?? 503, f.failNext?.status ?? 503, 'Injected server error'), f.latencyMs);
    }
    if (f.errorRate > 0 && Math.random() < f.errorRate) return void (mark('errorRate'), setTimeout(() => fail(res, 500, 500, 'Injected server error'), f.latencyMs));
    if (f.latencyMs > 0) return void setTimeout(next, f.latencyMs);
    next();
  };
}

/**
 * The request goes on to its handler (a write is committed), but its answer is lost: replaced by a 5xx envelope,
 * or, without a status, never sent (the connection stays open until the client gives up).
 */
function loseAnswer(res: Response, status: number | undefined): void {
  const send = res.json.bind(res);
  res.json = ((_body: unknown) => {
    if (status === undefined) return res;
    res.json = send;
    fail(res, status, status, 'Injected server error after the request was carried out');
    return res;
  }) as Response['json'];
}

function listen(app: express.Express, port: number, host: string): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(err.code === 'EADDRINUSE' ? `BMS emulator: port ${port} on ${host} is in use; choose another (0 = any free port)` : `BMS emulator: ${err.message}`)),
    );
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${actual}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
