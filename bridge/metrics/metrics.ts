import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { Exchange } from '../bms/transport';
import { RateLimitSettings } from '../bms/rate-limiter';
import { Job, JobQueue, JobState, Trigger } from '../jobs/job-queue';
import { Logger } from '../log/logger';
import { Coordination } from '../store/coordination';
import { SweepSummary } from '../sweep/sweep';

/** What the gauges read when Prometheus scrapes. */
export interface MetricsSources {
  jobs: JobQueue;
  coordination: Coordination;
  /** the BMS budget per endpoint (BMS_RATE_LIMIT_PER_HOUR over its window) */
  budget: RateLimitSettings;
  /** undefined when the rules in force loaded cleanly; never starts a load (see health/watched-rules.ts) */
  rulesHealth: () => Promise<string | undefined>;
  /** how often the sweep runs (0: never), in ms */
  sweepIntervalMs: number;
  log: Logger;
}

/** How a webhook was answered (the `outcome` label of bms_bridge_webhooks_total). */
export type WebhookOutcome = 'provisioned' | 'pending' | 'denied' | 'unavailable' | 'accepted' | 'replayed' | 'bad_signature' | 'invalid' | 'too_large' | 'error';

/** Jobs in these states are counted on each scrape; done jobs are history (bms_bridge_job_attempts_total counts them). */
const COUNTED_STATES: JobState[] = ['queued', 'running', 'retry', 'dead'];
const TRIGGERS: Trigger[] = ['login', 'event', 'admin', 'sweep'];
const LOGIN = 'login.provisioning_requested';

/**
 * The bridge's Prometheus metrics, in a registry of its own (several bridges in one process, as tests run them, do not
 * collide). Counters are told what happens (webhooks, BMS exchanges, job attempts, sweeps); gauges read the store and
 * the rules when scraped (one reading per scrape; jobs are counted by the store). Names and meanings: README, "Metrics".
 */
export class BridgeMetrics {
  readonly registry = new Registry();
  private readonly webhooks: Counter<'type' | 'outcome'>;
  private readonly latency: Histogram;
  private readonly loginLatency: Histogram;
  private readonly attempts: Counter<'trigger' | 'outcome'>;
  private readonly bmsCalls: Counter<'endpoint' | 'status'>;
  private readonly sweeps: Counter<'outcome'>;
  private readonly sweepUsers: Counter<'result'>;
  private readonly sweepDuration: Histogram;
  private readonly sweepLast: Gauge;
  /** endpoints this process called: their budget is shown even when no call is in the window */
  private readonly endpoints = new Set<string>();
  /** the reading of the store in progress: scrapes that arrive meanwhile (several Prometheus servers) share it */
  private storeRead?: Promise<void>;
  private readonly gauges: { jobs: Gauge<'trigger' | 'state'>; remaining: Gauge<'endpoint'>; limit: Gauge<'endpoint'>; storeUp: Gauge; rulesUsable: Gauge };

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.webhooks = new Counter({ name: 'bms_bridge_webhooks_total', help: 'Webhooks received, by type and how they were answered', labelNames: ['type', 'outcome'], registers });
    // unlabelled, so the answer budget of sign-ins reads straight off its own histogram
    const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
    this.latency = new Histogram({ name: 'bms_bridge_webhook_answer_seconds', help: 'Time from receiving a webhook (any type, refused ones too) to its answer', buckets, registers });
    this.loginLatency = new Histogram({ name: 'bms_bridge_login_answer_seconds', help: 'Time from receiving a sign-in webhook (login.provisioning_requested) to its answer', buckets, registers });
    this.attempts = new Counter({ name: 'bms_bridge_job_attempts_total', help: 'Job attempts by trigger and outcome (done, retry: failed and will run again, dead: failed for good)', labelNames: ['trigger', 'outcome'], registers });
    this.bmsCalls = new Counter({ name: 'bms_bridge_bms_calls_total', help: 'HTTP exchanges with BMS by endpoint and status (HTTP status, timeout or unreachable)', labelNames: ['endpoint', 'status'], registers });
    this.sweeps = new Counter({ name: 'bms_bridge_sweeps_total', help: 'Sweeps run by this bridge, by outcome (ok, rules_unusable, failed)', labelNames: ['outcome'], registers });
    this.sweepUsers = new Counter({ name: 'bms_bridge_sweep_users_total', help: "Users the sweeps examined, by what they found (the fields of the sweep's summary)", labelNames: ['result'], registers });
    this.sweepDuration = new Histogram({ name: 'bms_bridge_sweep_duration_seconds', help: 'How long each sweep took', buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900], registers });
    this.sweepLast = new Gauge({ name: 'bms_bridge_sweep_last_finished_timestamp_seconds', help: 'When a sweep last finished on this bridge (or the bridge started, before its first)', registers });
    this.sweepLast.set(Date.now() / 1000);
    new Gauge({ name: 'bms_bridge_sweep_interval_seconds', help: 'How often the sweep runs (RECONCILE_INTERVAL_MS; 0: never)', registers }).set(sources.sweepIntervalMs / 1000);
    this.gauges = this.storeGauges(registers);
  }

  /** A webhook was answered: `type` is the webhook's type ('unknown' before its signature and body were checked). */
  webhookAnswered(type: string, outcome: WebhookOutcome, seconds: number): void {
    this.webhooks.inc({ type, outcome });
    this.latency.observe(seconds);
    if (type === LOGIN) this.loginLatency.observe(seconds);
  }

  /** One HTTP exchange with BMS ended. */
  bmsExchange(exchange: Exchange): void {
    this.endpoints.add(exchange.endpoint);
    this.bmsCalls.inc({ endpoint: exchange.endpoint, status: exchange.status });
  }

  /** A job's attempt ended, as the queue recorded it. */
  jobAttempt(job: Pick<Job, 'trigger'>, outcome: 'done' | 'retry' | 'dead'): void {
    this.attempts.inc({ trigger: job.trigger, outcome });
  }

  /** A sweep ended after `seconds`: with its summary, or with an error (undefined). */
  sweepEnded(seconds: number, summary: SweepSummary | undefined): void {
    this.sweepDuration.observe(seconds);
    this.sweeps.inc({ outcome: !summary ? 'failed' : summary.rulesProblems?.length ? 'rules_unusable' : 'ok' });
    if (!summary) return;
    this.sweepLast.set(Date.now() / 1000);
    const { purged: _purged, rulesProblems: _problems, ...counts } = summary;
    for (const [result, value] of Object.entries(counts)) if (value > 0) this.sweepUsers.inc({ result }, value);
  }

  /** The text Prometheus scrapes, and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /** Gauges read from the store and the rules on a scrape; all wait for one reading, shared by concurrent scrapes. */
  private storeGauges(registers: Registry[]): BridgeMetrics['gauges'] {
    // prom-client collects every metric of a scrape at once: each gauge waits for the same reading
    const collect = (): Promise<void> => this.readStore();
    const gauge = <L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> => new Gauge({ name, help, labelNames, registers, collect });
    return {
      jobs: gauge('bms_bridge_jobs', 'Jobs in the store by trigger and state (queued, running, retry, dead)', ['trigger', 'state']),
      remaining: gauge('bms_bridge_bms_budget_remaining', "Calls left in BMS's rate window per endpoint, for every bridge on this store", ['endpoint']),
      limit: gauge('bms_bridge_bms_budget_limit', "Calls allowed per endpoint in BMS's rate window (BMS_RATE_LIMIT_PER_HOUR)", ['endpoint']),
      storeUp: gauge('bms_bridge_store_up', 'Whether the last reading of the store for these metrics succeeded (1) or failed (0)', []),
      rulesUsable: gauge('bms_bridge_rules_usable', 'Whether the latest load of the BMS rules is usable (1), or has problems or never loaded (0)', []),
    };
  }

  private readStore(): Promise<void> {
    this.storeRead ??= this.read().finally(() => (this.storeRead = undefined));
    return this.storeRead;
  }

  private async read(): Promise<void> {
    const { jobs, remaining, limit, storeUp, rulesUsable } = this.gauges;
    const { budget, coordination, log } = this.sources;
    try {
      const counts = await this.countJobs();
      for (const state of COUNTED_STATES) for (const trigger of TRIGGERS) jobs.set({ trigger, state }, counts.get(`${trigger}|${state}`) ?? 0);
      const used = await coordination.callsInWindow(budget.windowMs);
      for (const endpoint of new Set([...this.endpoints, ...Object.keys(used)])) {
        limit.set({ endpoint }, budget.perWindow);
        remaining.set({ endpoint }, Math.max(0, budget.perWindow - (used[endpoint] ?? 0)));
      }
      storeUp.set(1);
    } catch (err) {
      storeUp.set(0);
      log.warn({ error: (err as Error).message }, 'metrics: the store could not be read; the job and budget gauges keep their last values');
    }
    rulesUsable.set((await this.sources.rulesHealth().catch(() => 'failed')) ? 0 : 1);
  }

  /** Jobs per trigger and state, counted by the store (one GROUP BY: no job is read, whatever the backlog). */
  private async countJobs(): Promise<Map<string, number>> {
    return new Map((await this.sources.jobs.countByState()).map(({ trigger, state, count }) => [`${trigger}|${state}`, count]));
  }
}
