import { Coordination } from '../store/coordination';
import { Logger } from '../log/logger';
import { RuleSource } from './rule-source';

/** The version topic of an identity provider's rules, counted in the store by every bridge that hears of a change. */
export const rulesTopic = (idpAlias: string): string => `rules:${idpAlias}`;

/**
 * Makes every bridge on the store drop its rules when any one of them hears `rules.changed` (the listener sends the
 * webhook to one instance only): the receiver bumps the topic's version, and each instance polls it every
 * `intervalMs` (one indexed read), so a change reaches all within about that time. Resolves, once it has read the
 * version it starts from, to a stop function; call it before the first load of the rules.
 */
export async function watchRuleChanges(coordination: Coordination, idpAlias: string, rules: RuleSource, log: Logger, intervalMs = 500): Promise<() => void> {
  // the version is read before the caller's first load, so a change between the two cannot go unseen
  let seen: number | undefined = await coordination.version(rulesTopic(idpAlias)).catch(() => undefined);
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const version = await coordination.version(rulesTopic(idpAlias));
      if (seen !== undefined && version !== seen) {
        rules.invalidate();
        log.info({ idpAlias, version }, 'BMS rules changed (told by another bridge); reloading');
      }
      seen = version;
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'could not read the rules version from the store; trying again');
    } finally {
      busy = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
