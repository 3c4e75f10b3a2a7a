import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';

import { ConvergeResult } from '../converge/converge-result';
import { DEFAULT_POLICIES } from '../converge/model';
import { knowledgeOf } from '../converge/knowledge';
import { plan } from '../converge/plan';
import { Retention, Store } from '../store/store';
import { Job } from '../jobs/job-queue';
import { Worker } from '../jobs/worker';
import { KeycloakGateway, truthOf } from '../keycloak/gateway';
import { Logger } from '../log/logger';
import { evaluate } from '../rules/evaluate';
import { RuleSource } from '../rules/rule-source';
import { untilAborted } from './until-aborted';

export interface SweepSummary {
  /** users the sweep looked at (linked, marked, or with --all linked to the identity provider) */
  examined: number;
  /** desired state equals the link's record: no job, no BMS call */
  unchanged: number;
  /** marked users the rules deny who have no employee: nothing to do */
  denied: number;
  /** users whose jobs keep dying: left for later (see README, "The sweep") */
  backedOff: number;
  /** users linked in the store whom Keycloak no longer has */
  missing: number;
  queued: number;
  /** of the queued jobs, within the wait: */
  active: number;
  inactive: number;
  refused: number;
  failed: number;
  stillRunning: number;
  /** Keycloak admin API calls the sweep itself made (pages) */
  keycloakCalls: number;
  purged: { deliveries: number; jobs: number };
  /** set when the rules could not be used: only disabled, deleted and gone users were handled */
  rulesProblems?: string[];
}

export interface SweepOptions {
  /** 'requested': linked and marked users; 'all': also every user linked to the identity provider (a backfill) */
  scope: 'requested' | 'all';
  /** called after each user the sweep looked at: users examined and jobs queued so far */
  onProgress?: (examined: number, queued: number) => void;
  /** how long to wait for the queued jobs before reporting (they go on afterwards) */
  waitMs?: number;
  /** aborted when this bridge no longer holds the sweep lease: the sweep stops at the next user (throws the reason) */
  signal?: AbortSignal;
}

export interface SweepSettings {
  maxAttempts: number;
  retention: Retention;
  pageSize: number;
}

/**
 * The periodic safety net, and `bridge reconcile`: every user the bridge is responsible for is compared with what
 * the bridge last wrote, without a BMS call; only users whose desired state differs get a (background) converge job.
 * Users linked in the store but gone from Keycloak are converged too (deactivated). A lost, late or reordered
 * event is healed here at the latest.
 */
export class Sweep {
  constructor(
    private readonly keycloak: KeycloakGateway,
    private readonly rules: RuleSource,
    private readonly store: Store,
    private readonly worker: Worker,
    private readonly idpAlias: string,
    private readonly settings: SweepSettings,
    private readonly log: Logger,
  ) {}

  async run(options: SweepOptions): Promise<SweepSummary> {
    const started = Date.now();
    const summary: SweepSummary = { examined: 0, unchanged: 0, denied: 0, backedOff: 0, missing: 0, queued: 0, active: 0, inactive: 0, refused: 0, failed: 0, stillRunning: 0, keycloakCalls: 0, purged: await this.store.purge(this.settings.retention) };
    const ruleSet = await this.rules.fresh();
    const usable = ruleSet.problems.length === 0;
    if (!usable) {
      // a broken rule set must never turn into mass deactivation: only disabled, deleted and gone users are handled
      summary.rulesProblems = ruleSet.problems;
      this.log.error({ idpAlias: this.idpAlias, problems: ruleSet.problems }, 'the BMS rules cannot be used: the sweep handles only disabled, deleted and gone users');
    }
    const policies = ruleSet.defaults?.policies ?? DEFAULT_POLICIES;
    const linked = new Set(await this.store.links.linkedUserIds());
    const seen = new Set<string>();
    const jobs: number[] = [];
    const consider = async (user: UserRepresentation, backfill: boolean): Promise<void> => {
      const truth = truthOf(user);
      if (seen.has(truth.id)) return;
      const link = await this.store.links.linkOf(truth.id);
      if (!link && truth.employeeIdAttribute === null && !truth.requested && !backfill) return;
      seen.add(truth.id);
      summary.examined++;
      if (!usable && truth.enabled) return void summary.unchanged++;
      const decision = truth.enabled ? evaluate(ruleSet, truth) : undefined;
      const quick = plan({ user: truth, decision, bms: await knowledgeOf(this.store.links, truth, false, link ?? null), policies, mayCreate: backfill });
      const settled = (quick.kind === 'act' || quick.kind === 'refuse') && !quick.actions.length;
      // in step with BMS, but Keycloak lacks (or has another) bms_employee_id: a job writes it back, no BMS call
      if (settled && link && !link.attributeUnwritable && truth.employeeIdAttribute !== link.employeeId && quick.kind === 'act' && quick.end === 'active') return this.queue(truth.id, backfill, jobs, summary);
      if (settled && link) return void summary.unchanged++;
      if (settled && !link) return void (quick.kind === 'refuse' ? summary.denied++ : summary.unchanged++);
      await this.queue(truth.id, backfill, jobs, summary);
    };
    // progress after every user looked at, whatever became of them (a CLI shows it on a terminal)
    const visit = async (user: UserRepresentation, backfill: boolean): Promise<void> => {
      options.signal?.throwIfAborted();
      await consider(user, backfill);
      options.onProgress?.(summary.examined, summary.queued);
    };
    await this.page(undefined, summary, (u) => visit(u, false));
    if (options.scope === 'all') await this.page(this.idpAlias, summary, (u) => visit(u, true));
    for (const userId of linked) {
      options.signal?.throwIfAborted();
      if (seen.has(userId)) continue;
      const record = (await this.store.links.linkOf(userId))?.record;
      // already deactivated for a user who is gone: nothing left to do (the link stays, for a rehire)
      if (record && !record.active) continue;
      summary.missing++;
      summary.examined++;
      await this.queue(userId, false, jobs, summary);
    }
    this.worker.kick();
    await settleJobs((id, ms) => this.worker.waitFor(id, ms), jobs, options.waitMs ?? 0, summary, options.signal);
    this.log.info({ scope: options.scope, ms: Date.now() - started, ...summary }, 'sweep finished');
    return summary;
  }

  private async queue(userId: string, backfill: boolean, jobs: number[], summary: SweepSummary): Promise<void> {
    const notBefore = await this.store.jobs.sweepNotBefore(userId);
    if (notBefore !== undefined && notBefore > Date.now()) return void summary.backedOff++;
    jobs.push((await this.store.jobs.enqueue({ userId, trigger: 'sweep', mayCreate: backfill }, this.settings.maxAttempts)).id);
    summary.queued++;
  }

  /** Every user of the realm (or of the identity provider), a page at a time in Keycloak's stable order. */
  private async page(idpAlias: string | undefined, summary: SweepSummary, visit: (user: UserRepresentation) => Promise<void>): Promise<void> {
    for (let first = 0; ; first += this.settings.pageSize) {
      const page = await this.keycloak.usersPage(first, this.settings.pageSize, idpAlias);
      summary.keycloakCalls++;
      for (const user of page) await visit(user);
      if (page.length < this.settings.pageSize) return;
    }
  }
}

/**
 * Waits (up to `waitMs` in all) for the sweep's queued jobs and counts into `summary` how they ended; stops waiting
 * as soon as `signal` is aborted (throws its reason: the bridge is stopping, or lost the sweep lease).
 */
export async function settleJobs(waitFor: (id: number, ms: number) => Promise<Job | undefined>, jobs: number[], waitMs: number, summary: SweepSummary, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (const id of jobs) {
    signal?.throwIfAborted();
    const waiting = waitFor(id, Math.max(0, deadline - Date.now()));
    const job = await (signal ? untilAborted(waiting, signal) : waiting);
    const result = job?.result as ConvergeResult | null | undefined;
    if (job?.state === 'dead') summary.failed++;
    else if (job?.state !== 'done' || !result) summary.stillRunning++;
    else if (result.outcome === 'active') summary.active++;
    else if (result.outcome === 'refused') summary.refused++;
    else summary.inactive++;
  }
}
