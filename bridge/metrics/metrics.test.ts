import { parseScrape, Scrape } from '../../test/support/prometheus';
import { silentLogger } from '../log/logger';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { BridgeMetrics } from './metrics';

async function setUp(rulesHealth: () => Promise<string | undefined> = async () => undefined): Promise<{ store: SqliteStore; metrics: BridgeMetrics; read: () => Promise<Scrape> }> {
  const store = new SqliteStore(':memory:');
  const metrics = new BridgeMetrics({ jobs: store.jobs, coordination: store.coordination, budget: { perWindow: 100, windowMs: 3_600_000 }, rulesHealth, sweepIntervalMs: 600_000, log: silentLogger });
  return { store, metrics, read: async () => parseScrape((await metrics.exposition()).text) };
}

describe('BridgeMetrics', () => {
  test('counts webhooks by type and outcome, with their answer times', async () => {
    const { store, metrics, read } = await setUp();
    metrics.webhookAnswered('login.provisioning_requested', 'provisioned', 0.004);
    metrics.webhookAnswered('login.provisioning_requested', 'provisioned', 0.2);
    metrics.webhookAnswered('unknown', 'bad_signature', 0.001);
    const scrape = await read();
    expect(scrape.value('bms_bridge_webhooks_total', { type: 'login.provisioning_requested', outcome: 'provisioned' })).toBe(2);
    expect(scrape.value('bms_bridge_webhooks_total', { type: 'unknown', outcome: 'bad_signature' })).toBe(1);
    expect(scrape.count('bms_bridge_webhook_answer_seconds')).toBe(3);
    expect(scrape.count('bms_bridge_login_answer_seconds')).toBe(2);
    expect(scrape.family('bms_bridge_login_answer_seconds').metrics[0].buckets?.['0.005']).toBe('1');
    expect(scrape.family('bms_bridge_webhook_answer_seconds').type).toBe('HISTOGRAM');
    await store.close();
  });

  test('reads jobs by trigger and state from the store when scraped', async () => {
    const { store, metrics, read } = await setUp();
    await store.jobs.enqueue({ userId: 'u-1', trigger: 'login' }, 1);
    const { id } = await store.jobs.enqueue({ userId: 'u-2', trigger: 'sweep' }, 1);
    await store.jobs.claim({ owner: 'test', ms: 30_000 }, Date.now(), { id });
    await store.jobs.fail(id, 'test', { message: 'BMS refused', retryable: false }, { baseDelayMs: 1, maxDelayMs: 1 });
    metrics.jobAttempt({ trigger: 'sweep' }, 'dead');
    const scrape = await read();
    expect(scrape.value('bms_bridge_jobs', { trigger: 'login', state: 'queued' })).toBe(1);
    expect(scrape.value('bms_bridge_jobs', { trigger: 'sweep', state: 'dead' })).toBe(1);
    expect(scrape.value('bms_bridge_jobs', { trigger: 'event', state: 'retry' })).toBe(0);
    expect(scrape.value('bms_bridge_job_attempts_total', { trigger: 'sweep', outcome: 'dead' })).toBe(1);
    expect(scrape.value('bms_bridge_store_up')).toBe(1);
    await store.close();
  });

  test("counts BMS calls by endpoint and status, and shows the budget left from the store's shared window", async () => {
    const { store, metrics, read } = await setUp();
    const request = { endpoint: 'GET /v2/hr/employees/searchselect', limit: 100, windowMs: 3_600_000, ceiling: 90 };
    for (let i = 0; i < 3; i++) await store.coordination.takeCall(request, true);
    metrics.bmsExchange({ endpoint: 'GET /v2/hr/employees/searchselect', status: '200', at: Date.now() });
    metrics.bmsExchange({ endpoint: 'POST /v2/hr/employees', status: 'timeout', at: Date.now() });
    const scrape = await read();
    expect(scrape.value('bms_bridge_bms_calls_total', { endpoint: 'GET /v2/hr/employees/searchselect', status: '200' })).toBe(1);
    expect(scrape.value('bms_bridge_bms_calls_total', { endpoint: 'POST /v2/hr/employees', status: 'timeout' })).toBe(1);
    expect(scrape.value('bms_bridge_bms_budget_remaining', { endpoint: 'GET /v2/hr/employees/searchselect' })).toBe(97);
    expect(scrape.value('bms_bridge_bms_budget_remaining', { endpoint: 'POST /v2/hr/employees' })).toBe(100); // called, but not counted in this store's window
    expect(scrape.value('bms_bridge_bms_budget_limit', { endpoint: 'POST /v2/hr/employees' })).toBe(100);
    await store.close();
  });

  test("records each sweep's duration, outcome, findings and when it finished", async () => {
    const { store, metrics, read } = await setUp();
    const summary = { examined: 5, unchanged: 3, denied: 0, backedOff: 0, missing: 1, queued: 2, active: 2, inactive: 0, refused: 0, failed: 0, stillRunning: 0, keycloakCalls: 1, purged: { deliveries: 0, jobs: 0 } };
    const before = Date.now() / 1000;
    metrics.sweepEnded(1.5, summary);
    metrics.sweepEnded(0.1, undefined);
    metrics.sweepEnded(0.2, { ...summary, rulesProblems: ['two rules with order 10'] });
    const scrape = await read();
    expect(scrape.value('bms_bridge_sweeps_total', { outcome: 'ok' })).toBe(1);
    expect(scrape.value('bms_bridge_sweeps_total', { outcome: 'failed' })).toBe(1);
    expect(scrape.value('bms_bridge_sweeps_total', { outcome: 'rules_unusable' })).toBe(1);
    expect(scrape.value('bms_bridge_sweep_users_total', { result: 'examined' })).toBe(10);
    expect(scrape.value('bms_bridge_sweep_users_total', { result: 'missing' })).toBe(2);
    expect(scrape.count('bms_bridge_sweep_duration_seconds')).toBe(3);
    expect(scrape.value('bms_bridge_sweep_last_finished_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(before));
    expect(scrape.value('bms_bridge_sweep_interval_seconds')).toBe(600);
    await store.close();
  });

  test('says whether the rules are usable, and has the process metrics', async () => {
    let problem: string | undefined = 'rule 20: BMS has no department named Wizardry';
    const { store, read } = await setUp(async () => problem);
    expect((await read()).value('bms_bridge_rules_usable')).toBe(0);
    problem = undefined;
    const scrape = await read();
    expect(scrape.value('bms_bridge_rules_usable')).toBe(1);
    expect(scrape.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    // the event-loop lag series an operator alerts on are there (prom-client's defaults, README's metrics table)
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds']) expect(scrape.value(name)).toBeGreaterThanOrEqual(0);
    await store.close();
  });

  test('scrapes at the same time share one reading of the store and the rules', async () => {
    let readings = 0;
    const { store, read } = await setUp(async () => void readings++);
    await Promise.all([read(), read(), read()]);
    expect(readings).toBe(1);
    await read();
    expect(readings).toBe(2);
    await store.close();
  });

  test('two bridges in one process keep their own counts', async () => {
    const a = await setUp();
    const b = await setUp();
    a.metrics.webhookAnswered('user.deleted', 'accepted', 0.01);
    expect((await a.read()).value('bms_bridge_webhooks_total', { type: 'user.deleted', outcome: 'accepted' })).toBe(1);
    expect((await b.read()).value('bms_bridge_webhooks_total', { type: 'user.deleted', outcome: 'accepted' })).toBe(0);
    await a.store.close();
    await b.store.close();
  });

  test('a store that fails shows as bms_bridge_store_up 0, and the scrape still answers', async () => {
    const { store, read } = await setUp();
    await store.close();
    expect((await read()).value('bms_bridge_store_up')).toBe(0);
  });
});
