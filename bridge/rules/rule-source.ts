import { Logger } from '../log/logger';
import { BmsError } from '../bms/errors';
import { Lookups, LookupKind } from '../bms/lookups';
import { BMS_FIELDS, BmsField, RuleSet } from './model';
import { MapperRepresentation, parseRuleSet } from './parse';

const KIND: Record<BmsField, LookupKind> = {
  account: 'account',
  department: 'department',
  location: 'location',
  manager: 'manager',
  jobTitle: 'jobTitle',
  employmentType: 'employmentType',
  securityRole: 'securityRole',
  employeeRole: 'employeeRole',
};

/**
 * The rules of one identity provider, read from Keycloak's mappers, cached for a TTL and dropped when the plugin
 * reports a mapper change. Every BMS name a rule uses is checked against BMS when the rules load: a name BMS does
 * not know becomes a problem of the set (logged, shown by readyz), so the set provisions nobody.
 */
export class RuleSource {
  private cached?: { set: RuleSet; until: number };
  private loading?: Promise<RuleSet>;

  constructor(
    private readonly readMappers: () => Promise<MapperRepresentation[]>,
    private readonly idpAlias: string,
    private readonly ttlMs: number,
    private readonly lookups: Lookups,
    private readonly log: Logger,
  ) {}

  async current(): Promise<RuleSet> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.set;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  /** For readyz: undefined when the rules are usable, else what is wrong. */
  async problems(): Promise<string | undefined> {
    const set = await this.current();
    return set.problems.length ? set.problems.join('; ') : undefined;
  }

  private async load(): Promise<RuleSet> {
    const set = parseRuleSet(this.idpAlias, await this.readMappers());
    set.problems.push(...(await this.unknownNames(set)));
    if (set.problems.length) this.log.error({ idpAlias: this.idpAlias, problems: set.problems }, 'BMS rules cannot be used; nobody will be provisioned until they are fixed');
    else this.log.info({ idpAlias: this.idpAlias, rules: set.rules.length }, 'BMS rules loaded');
    this.cached = { set, until: Date.now() + this.ttlMs };
    return set;
  }

  private async unknownNames(set: RuleSet): Promise<string[]> {
    const owners = [...(set.defaults ? [{ label: `defaults mapper '${set.defaults.name}'`, values: set.defaults.values }] : []), ...set.rules.map((r) => ({ label: `rule '${r.name}'`, values: r.values }))];
    const problems: string[] = [];
    for (const { label, values } of owners) {
      for (const field of BMS_FIELDS) {
        const value = values[field];
        if (!value) continue;
        try {
          await this.lookups.resolve(KIND[field], value);
        } catch (err) {
          if (err instanceof BmsError && err.kind === 'lookup') problems.push(`${label}: ${err.message}`);
          else throw err; // BMS unreachable: the load fails and is tried again, rather than caching a wrong verdict
        }
      }
    }
    return problems;
  }
}

export { KIND as LOOKUP_OF_FIELD };
