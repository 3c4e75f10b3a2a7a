import type KcAdminClient from '@keycloak/keycloak-admin-client';

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
export async function bridgeWiringProblems(api: KcAdminClient, realm: string, idp: string, clientId: string): Promise<string | undefined> {
  const roles = tokenRoles(api.accessToken);
  const lacking = BRIDGE_ROLES.filter((r) => !roles.includes(r));
  const lackingCheck = CHECK_ROLES.filter((r) => !roles.includes(r));
  if (lackingCheck.length) {
    return `the wiring cannot be checked: client '${clientId}' lacks the realm-management role(s) ${lackingCheck.join(', ')} (bridge setup grants them; or set KEYCLOAK_WIRING_CHECK_MS=0 to turn this check off)${lacking.length ? `; it also lacks ${lacking.join(', ')}, which the bridge needs` : ''}`;
  }
  const { problems } = await checkWiring(api, { realm, idp, readClients: false });
  if (lacking.length) problems.unshift(`client '${clientId}' lacks the realm-management role(s) ${lacking.join(', ')} (run bridge setup)`);
  return problems.length ? problems.join('; ') : undefined;
}

/**
 * /readyz's wiring check, cached: Keycloak's admin API is read at most once per `ttlMs` (and by one probe at a time);
 * probes in between get the last verdict.
 */
export class CachedWiringCheck {
  private last?: { at: number; problem: string | undefined };
  private running?: Promise<string | undefined>;

  constructor(private readonly run: () => Promise<string | undefined>, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  /** undefined when the wiring is right; else what is wrong (a failed read included, named by its OperationError). */
  async check(): Promise<string | undefined> {
    if (this.last && this.now() - this.last.at < this.ttlMs) return this.last.problem;
    this.running ??= this.run()
      .catch((err: Error) => `the wiring could not be read: ${err.message}`)
      .then((problem) => {
        this.last = { at: this.now(), problem };
        return problem;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }
}

/** What the wiring check of /readyz needs of the bridge's Keycloak gateway and configuration. */
export interface WiringCheckSource {
  /** the gateway's admin client, signed in as the bridge's service account */
  adminApi(): Promise<KcAdminClient>;
}

/** /readyz's `wiring` check (README, "Bridge configuration": KEYCLOAK_WIRING_CHECK_MS). */
export function wiringReadyCheck(gateway: WiringCheckSource, settings: { realm: string; idpAlias: string; clientId: string; wiringCheckMs: number }): { name: string; check(): Promise<string | undefined> } {
  const cached = new CachedWiringCheck(async () => bridgeWiringProblems(await gateway.adminApi(), settings.realm, settings.idpAlias, settings.clientId), settings.wiringCheckMs);
  return { name: 'wiring', check: () => cached.check() };
}
