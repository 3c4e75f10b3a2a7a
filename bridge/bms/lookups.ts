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
 */
export class Lookups {
  private readonly cache = new Map<LookupKind, { rows: LookupRow[]; until: number }>();
  private readonly loading = new Map<LookupKind, Promise<LookupRow[]>>();

  constructor(
    private readonly transport: BmsTransport,
    private readonly ttlMs: number,
    private readonly employmentTypeTable: string,
    private readonly now: () => number = Date.now,
  ) {}

  async list(kind: LookupKind, priority = 0): Promise<LookupRow[]> {
    const cached = this.cache.get(kind);
    if (cached && cached.until > this.now()) return cached.rows;
    let loading = this.loading.get(kind);
    if (!loading) {
      loading = this.load(kind, priority).finally(() => this.loading.delete(kind));
      this.loading.set(kind, loading);
    }
    return loading;
  }

  /** The id for a value written by name or by id ("Service Desk", "service  desk", "4" or 4). */
  async resolve(kind: LookupKind, value: string | number, priority = 0): Promise<number> {
    const table = await this.list(kind, priority);
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

  invalidate(kind?: LookupKind): void {
    if (kind) this.cache.delete(kind);
    else this.cache.clear();
  }

  private async load(kind: LookupKind, priority: number): Promise<LookupRow[]> {
    const { result } = await this.transport.call({ ...callFor(kind, this.employmentTypeTable), priority }, rows);
    const table = result.map((r) => ({ id: r.id, name: r.name ?? '' }));
    this.cache.set(kind, { rows: table, until: this.now() + this.ttlMs });
    return table;
  }
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
