import { RuleSet } from '../rules/model';
import { RuleSource } from '../rules/rule-source';

/**
 * The rule source, and whether a rule set was ever loaded. Readiness and the metrics ask the rules' problems only once
 * one was: before that, asking would start a load (Keycloak and BMS calls) from a probe or a scrape.
 */
export class WatchedRuleSource extends RuleSource {
  private loadedOnce = false;

  /** True once a load finished (good or with problems). */
  get everLoaded(): boolean {
    return this.loadedOnce;
  }

  override async current(): Promise<RuleSet> {
    const set = await super.current();
    this.loadedOnce = true;
    return set;
  }

  override async fresh(): Promise<RuleSet> {
    const set = await super.fresh();
    this.loadedOnce = true;
    return set;
  }

  /** What /readyz and the metrics report: undefined when usable; never starts the first load. */
  async health(): Promise<string | undefined> {
    return this.loadedOnce ? this.problems() : 'not loaded yet: Keycloak or BMS could not be reached at the last try (see the log)';
  }
}
