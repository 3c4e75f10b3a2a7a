import { Logger } from '../log/logger';
import { BmsError } from '../bms/errors';
import { Lookups, LookupKind } from '../bms/lookups';
import { BMS_FIELDS, BmsField, RuleSet } from './model';
import { MapperRepresentation, parseRuleSet } from './parse';
import { RuleSetMemory } from './last-good-file';

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
 * The rules of one identity provider, read from Keycloak's mappers, with every BMS name checked against BMS.
 *
 * A bad rule set never locks everyone out: the last set that loaded cleanly stays in force (its problems show in
 * readyz and the log at error level), and only with no good set ever loaded does a sign-in see "not configured".
 * After the first load no sign-in waits for a reload: a set older than the TTL, or one dropped by a `rules.changed`
 * webhook, is reloaded in the background while the one in force keeps answering.
 */
export class RuleSource {
  /** the latest load's result, good or not, and until when it is fresh */
  private latest?: { set: RuleSet; until: number; at: number };
  /** the last load without problems */
  private good?: { set: RuleSet; at: number };
  private loading?: Promise<void>;
  /** a change was announced while a load ran: that load may have read the old mappers, so another follows it */
  private changedDuringLoad = false;

  constructor(
    private readonly readMappers: () => Promise<MapperRepresentation[]>,
    private readonly idpAlias: string,
    private readonly ttlMs: number,
    private readonly lookups: Lookups,
    private readonly log: Logger,
    /** where the last good set outlives a restart (none: only in memory) */
    private readonly memory?: RuleSetMemory,
  ) {}

  /** The rule set in force; the very first call waits for the load (and throws when Keycloak or BMS cannot be reached). */
  async current(): Promise<RuleSet> {
    if (!this.latest) await this.reload();
    else if (this.latest.until <= Date.now()) this.refreshInBackground();
    return this.inForce();
  }

  /** Loads now and returns the set then in force (the sweep, which must see a rule change). */
  async fresh(): Promise<RuleSet> {
    await this.reload();
    return this.inForce();
  }

  /** A mapper changed: reload in the background; the set in force answers meanwhile. */
  invalidate(): void {
    if (this.latest) this.latest.until = 0;
    if (this.loading) this.changedDuringLoad = true;
    this.refreshInBackground();
  }

  /** For readyz: undefined when the latest load is usable, else what is wrong and what is in force meanwhile. */
  async problems(): Promise<string | undefined> {
    await this.current();
    const problems = this.latest?.set.problems ?? [];
    if (!problems.length) return undefined;
    const fallback = this.good ? `; the rule set loaded at ${new Date(this.good.at).toISOString()} stays in force until this is fixed` : '; no good rule set was ever loaded, so sign-ins to BMS fail (the step\'s failure mode applies)';
    return `${problems.join('; ')}${fallback}`;
  }

  /** For the admin pages: the latest load (good or not) and the last good one, each with when it loaded (epoch ms). */
  loads(): { latest?: { set: RuleSet; at: number }; good?: { set: RuleSet; at: number } } {
    return { latest: this.latest && { set: this.latest.set, at: this.latest.at }, good: this.good && { ...this.good } };
  }

  private inForce(): RuleSet {
    const latest = this.latest?.set;
    if (latest && !latest.problems.length) return latest;
    return this.good?.set ?? (latest as RuleSet);
  }

  private refreshInBackground(): void {
    void this.reload().catch((err: Error) => this.log.warn({ idpAlias: this.idpAlias, error: err.message }, 'BMS rules could not be reloaded; the set in force stays'));
  }

  private reload(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
      if (!this.changedDuringLoad) return;
      this.changedDuringLoad = false;
      if (this.latest) this.latest.until = 0;
      this.refreshInBackground();
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const mappers = await this.readMappers();
    const set = await this.checked(mappers);
    const now = Date.now();
    if (set.problems.length && !this.good) await this.recall();
    if (set.problems.length) {
      const meanwhile = this.good ? 'the last good rule set stays in force' : 'no good rule set: sign-ins to BMS fail until this is fixed';
      this.log.error({ idpAlias: this.idpAlias, problems: set.problems }, `BMS rules cannot be used; ${meanwhile}`);
    } else {
      this.good = { set, at: now };
      this.log.info({ idpAlias: this.idpAlias, rules: set.rules.length }, 'BMS rules loaded');
      await this.memory?.write({ mappers, at: now }).catch((err: Error) => this.log.warn({ error: err.message }, 'could not keep the good BMS rule set for the next start'));
    }
    this.latest = { set, until: now + this.ttlMs, at: now };
  }

  private async checked(mappers: MapperRepresentation[]): Promise<RuleSet> {
    const set = parseRuleSet(this.idpAlias, mappers);
    set.problems.push(...(await this.unknownNames(set)));
    return set;
  }

  /** After a restart with a bad set in Keycloak: the set that last loaded cleanly, checked again, stays in force. */
  private async recall(): Promise<void> {
    const remembered = await this.memory?.read();
    if (!remembered) return;
    const set = await this.checked(remembered.mappers);
    if (set.problems.length) return;
    this.good = { set, at: remembered.at };
    this.log.warn({ idpAlias: this.idpAlias, loadedAt: new Date(remembered.at).toISOString() }, 'the BMS rules in Keycloak have problems; the set that last loaded cleanly, kept from before the restart, is in force');
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
