import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { ReadyCheck, ReadyWarning } from '../http/health-routes';
import { tokenRoles } from './connection';
import { Plan } from './model';
import { SetupOptions } from './options';
import { plan } from './plan';
import { readRealmState } from './realm-state';
import { problemsOf } from './render';
import { BRIDGE_ROLES, CHECK_ROLES } from './wiring';

/** A check's verdict: the plan it was made from, and every problem (none: the wiring is right). */
export interface CheckResult {
  plan: Plan;
  problems: string[];
}

/** setup --check: the plan setup would make, read-only; anything it would create, change, or finds in conflict is a problem. */
export async function checkWiring(api: KcAdminClient, options: SetupOptions): Promise<CheckResult> {
  const planned = plan(await readRealmState(api, options), options);
  return { plan: planned, problems: problemsOf(planned) };
}

/**
 * The same check as the bridge runs it for /readyz, with its own service account: the realm and identity provider of
 * its configuration (it knows neither the setup options nor the admin's view of clients), and its own roles read from
 * its token instead of the service account's role mappings. Undefined when all is right, else every problem in one line.
 */
export async function bridgeWiringProblems(api: KcAdminClient, realm: string, idp: string, clientId: string): Promise<string | ReadyWarning | undefined> {
  const roles = tokenRoles(api.accessToken);
  const lacking = BRIDGE_ROLES.filter((r) => !roles.includes(r));
  const lackingCheck = CHECK_ROLES.filter((r) => !roles.includes(r));
  if (lacking.length) return `client '${clientId}' lacks the realm-management role(s) ${lacking.join(', ')}, which the bridge needs (run bridge setup, or grant them)`;
  // a bridge set up before the check existed serves as well as before: the check cannot run, which is a remark, not unreadiness
  if (lackingCheck.length) return new ReadyWarning(`the wiring cannot be checked: client '${clientId}' lacks the realm-management role(s) ${lackingCheck.join(', ')} (run bridge setup to grant them, or set KEYCLOAK_WIRING_CHECK_MS=0 to turn this check off)`);
  const { problems } = await checkWiring(api, { realm, idp, readClients: false });
  return problems.length ? problems.join('; ') : undefined;
}

/**
 * /readyz's wiring check, cached: Keycloak's admin API is read at most once per `ttlMs` (and by one probe at a time);
 * probes in between get the last verdict. A read that fails (Keycloak restarting) is a warning, not unreadiness: the
 * bridge's own Keycloak check says whether sign-ins can be served; it is tried again after `retryMs`, not a whole ttl.
 */
export class CachedWiringCheck {
  private last?: { until: number; verdict: string | ReadyWarning | undefined };
  private running?: Promise<string | ReadyWarning | undefined>;

  constructor(
    private readonly run: () => Promise<string | ReadyWarning | undefined>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly retryMs = Math.min(ttlMs, 15_000),
    /** a read that has not answered by then is a warning (below /readyz's 5 s bound on any check, which would fail it) */
    private readonly answerMs = 4_000,
  ) {}

  /** undefined when the wiring is right; a string when it is wrong; a ReadyWarning when it could not be read. */
  async check(): Promise<string | ReadyWarning | undefined> {
    if (this.last && this.now() < this.last.until) return this.last.verdict;
    this.running ??= within(this.run(), this.answerMs)
      .then((verdict) => ({ verdict, forMs: this.ttlMs }), (err: Error) => ({ verdict: new ReadyWarning(`the wiring could not be read: ${err.message}`), forMs: this.retryMs }))
      .then(({ verdict, forMs }) => {
        this.last = { until: this.now() + forMs, verdict };
        return verdict;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}

/** `work`'s result, or a rejection once `ms` have passed without one (the work itself is left to end on its own). */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Keycloak's admin API did not answer within ${ms / 1000} s`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** What the wiring check of /readyz needs of the bridge's Keycloak gateway and configuration. */
export interface WiringCheckSource {
  /** the gateway's admin client, signed in as the bridge's service account */
  adminApi(): Promise<KcAdminClient>;
}

/** /readyz's `wiring` check (README, "Bridge configuration": KEYCLOAK_WIRING_CHECK_MS). */
export function wiringReadyCheck(gateway: WiringCheckSource, settings: { realm: string; idpAlias: string; clientId: string; wiringCheckMs: number }): ReadyCheck {
  const cached = new CachedWiringCheck(async () => bridgeWiringProblems(await gateway.adminApi(), settings.realm, settings.idpAlias, settings.clientId), settings.wiringCheckMs);
  return { name: 'wiring', check: () => cached.check() };
}
