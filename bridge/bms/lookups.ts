import { z } from 'zod';

import { BmsError } from './errors';
import { namedRowSchema } from './schemas';
import { BmsTransport, Call } from './transport';

/** The BMS reference tables a provisioning rule can name. */
export type LookupKind = 'account' | 'department' | 'location' | 'manager' | 'jobTitle' | 'employmentType' | 'securityRole' | 'employeeRole';

export interface LookupRow {
  id: number;
  name: string;
}

const rows = z.array(namedRowSchema);

function callFor(kind: LookupKind, employmentTypeTable: string): Call {
  const get = (path: string, query?: Call['query']): Call => ({ method: 'GET', path, endpoint: `GET ${path}`, query, auth: true });
  switch (kind) {
    case 'account':
      return get('/v2/crm/accounts/lookup');
    case 'department':
      return get('/v2/admin/hr/departments/lookup');
    case 'location':
      return get('/v2/system/locations/lookup');
    case 'manager':
      return get('/v2/hr/employees/lookup');
    case 'jobTitle':
      return get('/v2/admin/hr/jobtitles/lookup');
    case 'securityRole':
      return get('/v2/admin/security/roles/lookup');
    case 'employeeRole':
      return get('/v2/system/roles/lookup');
    case 'employmentType':
      return { ...get(`/v2/system/lookup/${encodeURIComponent(employmentTypeTable)}`), endpoint: 'GET /v2/system/lookup/{tableName}' };
  }
}

/** Names are compared as BMS admins type them: case, surrounding and repeated spaces do not matter. */
export function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * BMS lookup tables, cached for a while (a returning user must cost no BMS call), and name → id resolution that
 * refuses to guess: an unknown name or one that matches several rows is an error naming the candidates.
 *
 * After a table's first load nobody waits for it again: a stale table answers at once while a fresh copy loads in the
 * background (a slow BMS never holds up a sign-in, issue 11 failure 10). Only a name or id the stale table lacks waits
 * for the fresh copy, so a department created or renamed in BMS is seen when it matters.
 */
export class Lookups {
  private readonly cache = new Map<LookupKind, { rows: LookupRow[]; until: number }>();
  private readonly loading = new Map<LookupKind, Promise<LookupRow[]>>();

  constructor(
    private readonly transport: Pick<BmsTransport, 'call'>,
    private readonly ttlMs: number,
    private readonly employmentTypeTable: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The table: cached (stale ones refresh in the background), or loaded now when it never was. */
  async list(kind: LookupKind, priority = 0): Promise<LookupRow[]> {
    return (await this.cached(kind, priority)).rows;
  }

  /** The id for a value written by name or by id ("Service Desk", "service  desk", "4" or 4). */
  async resolve(kind: LookupKind, value: string | number, priority = 0): Promise<number> {
    const { rows, stale } = await this.cached(kind, priority);
    if (!stale) return find(kind, rows, value);
    try {
      return find(kind, rows, value);
    } catch (err) {
      if (!(err instanceof BmsError)) throw err;
      return find(kind, await this.reload(kind, priority), value); // not in the stale copy: ask BMS before saying no
    }
  }

  invalidate(kind?: LookupKind): void {
    if (kind) this.cache.delete(kind);
    else this.cache.clear();
  }

  private async cached(kind: LookupKind, priority: number): Promise<{ rows: LookupRow[]; stale: boolean }> {
    const cached = this.cache.get(kind);
    if (!cached) return { rows: await this.reload(kind, priority), stale: false };
    const stale = cached.until <= this.now();
    if (stale) void this.reload(kind, priority).catch(() => undefined); // the stale copy serves; the next read retries
    return { rows: cached.rows, stale };
  }

  private reload(kind: LookupKind, priority: number): Promise<LookupRow[]> {
    let loading = this.loading.get(kind);
    if (!loading) {
      loading = this.load(kind, priority).finally(() => this.loading.delete(kind));
      this.loading.set(kind, loading);
    }
    return loading;
  }

  private async load(kind: LookupKind, priority: number): Promise<LookupRow[]> {
    const { result } = await this.transport.call({ ...callFor(kind, this.employmentTypeTable), priority }, rows);
    const table = result.map((r) => ({ id: r.id, name: r.name ?? '' }));
    this.cache.set(kind, { rows: table, until: this.now() + this.ttlMs });
    return table;
  }
}

/** The id of `value` (a name or an id) in `table`; a BmsError 'lookup' naming the candidates when none or several match. */
function find(kind: LookupKind, table: LookupRow[], value: string | number): number {
  const asId = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
  if (asId !== undefined) {
    if (table.some((r) => r.id === asId)) return asId;
    throw new BmsError('lookup', `BMS has no ${label(kind)} with id ${asId}; known: ${describe(table)}`, { candidates: table.map(show) });
  }
  const wanted = normaliseName(String(value));
  const matches = table.filter((r) => normaliseName(r.name) === wanted);
  if (matches.length === 1) return matches[0].id;
  if (matches.length > 1) {
    throw new BmsError('lookup', `BMS ${label(kind)} name '${value}' is ambiguous: it matches ${describe(matches)}; write the id instead`, { candidates: matches.map(show) });
  }
  throw new BmsError('lookup', `BMS has no ${label(kind)} named '${value}'; known: ${describe(table)}`, { candidates: table.map(show) });
}

const show = (r: LookupRow): string => `'${r.name}' (id ${r.id})`;

function describe(table: LookupRow[]): string {
  if (!table.length) return '(none)';
  const shown = table.slice(0, 20).map(show).join(', ');
  return table.length > 20 ? `${shown}, … ${table.length - 20} more` : shown;
}

function label(kind: LookupKind): string {
  return kind.replace(/([A-Z])/g, ' $1').toLowerCase();
}
