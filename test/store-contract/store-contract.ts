import { EmployeeView } from '../../bridge/converge/model';
import { LinkConflictError } from '../../bridge/converge/link-store';
import { JobNotDeadError, Lease, LeaseLostError, PRIORITY } from '../../bridge/jobs/job-queue';
import { Store } from '../../bridge/store/store';

/** How a contract run gets a store: a fresh, empty one per test, and a second handle on the same data (another process). */
export interface StoreFactory {
  /** a new, empty store */
  open(): Promise<Store>;
  /** another handle on the data of `store` (as a second bridge process would have) */
  reopen(store: Store): Promise<Store>;
}

const backoff = { baseDelayMs: 1000, maxDelayMs: 60_000 };
const T0 = 1_000_000;
const A: Lease = { owner: 'bridge-a', ms: 30_000 };
const B: Lease = { owner: 'bridge-b', ms: 30_000 };
const view = (id: number): EmployeeView => ({ id, active: true, firstName: 'A', lastName: 'B', email: 'a@b.test', userName: 'a@b.test', fields: {} });

/**
 * The contract every store implementation passes (issue 12): per-user ordering, priorities, merging, leases, crash
 * resume, deduplication, one link per employee, retention. Run with `describeStoreContract('SQLite', factory)`.
 */
export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`the ${name} store contract`, () => {
    let store: Store;
    const opened: Store[] = [];
    const second = async (): Promise<Store> => {
      const other = await factory.reopen(store);
      opened.push(other);
      return other;
    };
    beforeEach(async () => {
      store = await factory.open();
      opened.push(store);
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    describe('jobs', () => {
      test('queued → running under a lease → done, with the result kept', async () => {
        const job = await store.jobs.enqueue({ userId: 'user-1', trigger: 'event', eventId: 'e1' }, 3, T0);
        expect(job).toMatchObject({ state: 'queued', attempts: 0, leaseOwner: null });
        const claimed = await store.jobs.claim(A, T0);
        expect(claimed).toMatchObject({ id: job.id, state: 'running', attempts: 1, leaseOwner: A.owner, leaseUntil: T0 + A.ms, payload: { triggers: [{ trigger: 'event', eventId: 'e1', at: T0 }] } });
        expect(await store.jobs.complete(job.id, A.owner, { employeeId: 7 }, T0)).toMatchObject({ state: 'done', result: { employeeId: 7 }, leaseOwner: null });
        expect(await store.jobs.claim(A, T0)).toBeUndefined();
      });

      test('a retryable failure waits with backoff, then runs again; after the last attempt it is dead with the error kept', async () => {
        const { id } = await store.jobs.enqueue({ userId: 'user-1', trigger: 'event' }, 2, T0);
        await store.jobs.claim(A, T0);
        const retry = await store.jobs.fail(id, A.owner, { message: 'BMS answered 503', retryable: true }, backoff, T0);
        expect(retry.state).toBe('retry');
        expect(retry.runAt).toBeGreaterThanOrEqual(T0 + 500);
        expect(await store.jobs.claim(A, T0 + 100)).toBeUndefined(); // not due yet
        expect(await store.jobs.claim(A, retry.runAt)).toMatchObject({ id, attempts: 2 });
        expect(await store.jobs.fail(id, A.owner, { message: 'BMS answered 502', retryable: true }, backoff, T0)).toMatchObject({ state: 'dead', lastError: 'BMS answered 502', attempts: 2 });
      });

      test("the server's Retry-After is honoured when longer than the backoff; a failure no retry can fix is dead at once", async () => {
        const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'event' }, 5, T0);
        await store.jobs.claim(A, T0);
        expect((await store.jobs.fail(id, A.owner, { message: '429', retryable: true, retryAfterMs: 120_000 }, backoff, T0)).runAt).toBe(T0 + 120_000);
        await store.jobs.claim(A, T0 + 120_000);
        expect(await store.jobs.fail(id, A.owner, { message: 'DepartmentId: no department with id 99', retryable: false }, backoff, T0)).toMatchObject({ state: 'dead', attempts: 2 });
      });

      test('a dead job can be revived with fresh attempts; only a dead one', async () => {
        const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'event' }, 1, T0);
        await store.jobs.claim(A, T0);
        await store.jobs.fail(id, A.owner, { message: 'x', retryable: true }, backoff, T0);
        expect(await store.jobs.revive(id, T0)).toMatchObject({ state: 'queued', attempts: 0 });
        await expect(store.jobs.revive(id)).rejects.toThrow(`job ${id} is queued, not dead; only a dead job can be retried`);
        await expect(store.jobs.revive(id)).rejects.toBeInstanceOf(JobNotDeadError); // "retry all" skips these, not outages
      });

      test('jobs of one user never run at the same time, even from two processes; other users are not held up', async () => {
        const other = await second();
        const a1 = await store.jobs.enqueue({ userId: 'alice', trigger: 'event' }, 3, T0);
        const b1 = await store.jobs.enqueue({ userId: 'bob', trigger: 'event' }, 3, T0);
        expect((await store.jobs.claim(A, T0))?.id).toBe(a1.id);
        const a2 = await other.jobs.enqueue({ userId: 'alice', trigger: 'event' }, 3, T0); // alice's job runs: a new one waits
        expect(a2.id).not.toBe(a1.id);
        expect((await other.jobs.claim(B, T0))?.id).toBe(b1.id);
        expect(await other.jobs.claim(B, T0)).toBeUndefined();
        await store.jobs.complete(a1.id, A.owner, null, T0);
        expect((await other.jobs.claim(B, T0))?.id).toBe(a2.id);
      });

      test('requests for a user with a waiting job merge into it: the newest login facts and the highest priority win', async () => {
        const facts = (email: string) => ({ email, firstName: 'A', lastName: 'B', groups: [], at: T0 });
        const first = await store.jobs.enqueue({ userId: 'u', trigger: 'sweep' }, 3, T0);
        await store.jobs.enqueue({ userId: 'u', trigger: 'login', eventId: 'l1', login: facts('old@x.test'), mayCreate: true }, 3, T0 + 1);
        const merged = await store.jobs.enqueue({ userId: 'u', trigger: 'login', eventId: 'l2', login: facts('new@x.test') }, 3, T0 + 2);
        expect(merged.id).toBe(first.id);
        expect(merged).toMatchObject({ trigger: 'login', priority: PRIORITY.login, payload: { login: { email: 'new@x.test' }, mayCreate: true } });
        expect(merged.payload.triggers.map((t) => t.trigger)).toEqual(['sweep', 'login', 'login']);
        expect(await store.jobs.list({ userId: 'u' })).toHaveLength(1);
      });

      test("a sign-in is seen waiting for its user's running background job, from any process", async () => {
        const other = await second();
        const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'sweep' }, 3, T0);
        await store.jobs.claim(A, T0);
        await store.jobs.enqueue({ userId: 'someone-else', trigger: 'login' }, 3, T0);
        await store.jobs.enqueue({ userId: 'u', trigger: 'event' }, 3, T0 + 1); // background work waiting is not a sign-in
        expect(await other.jobs.loginWaiting('u')).toBe(false);
        await other.jobs.enqueue({ userId: 'u', trigger: 'login' }, 3, T0 + 2);
        expect(await store.jobs.loginWaiting('u')).toBe(true);
        await store.jobs.complete(id, A.owner, null, T0 + 3);
        expect((await store.jobs.claim(B, T0 + 3, { minPriority: PRIORITY.login }))?.userId).toBe('someone-else');
        expect((await store.jobs.claim(B, T0 + 3, { minPriority: PRIORITY.login }))?.userId).toBe('u'); // the sign-in's job runs: nobody waits any more
        expect(await other.jobs.loginWaiting('u')).toBe(false);
      });

      test('a user never has two waiting jobs: a job going back to waiting is absorbed by the newer one (retry, expired or released lease, revive)', async () => {
        const waitingOf = async (userId: string) => (await store.jobs.list({ userId })).filter((j) => j.state === 'queued' || j.state === 'retry');
        const cases: [string, (id: number) => Promise<unknown>][] = [
          ['retry', (id) => store.jobs.fail(id, A.owner, { message: 'BMS answered 503', retryable: true }, backoff, T0 + 2)],
          ['expired', async () => store.jobs.resumeExpired(T0 + A.ms + 1)],
          ['released', async () => store.jobs.release(A.owner, T0 + 2)],
        ];
        for (const [userId, returnToWaiting] of cases) {
          const first = await store.jobs.enqueue({ userId, trigger: 'login', eventId: 'first', login: { email: 'old@x.test', firstName: 'A', lastName: 'B', groups: [], at: T0 }, mayCreate: true }, 3, T0);
          expect((await store.jobs.claim(A, T0, { id: first.id }))?.id).toBe(first.id);
          const newer = await store.jobs.enqueue({ userId, trigger: 'event', eventId: 'newer' }, 3, T0 + 1);
          await returnToWaiting(first.id);
          const waiting = await waitingOf(userId);
          expect(waiting.map((j) => j.id)).toEqual([newer.id]);
          expect(waiting[0].payload).toMatchObject({ mayCreate: true, login: { email: 'old@x.test' } });
          expect(waiting[0].payload.triggers.map((t) => t.eventId)).toEqual(['first', 'newer']);
          expect(await store.jobs.get(first.id)).toMatchObject({ state: 'done', result: { mergedInto: newer.id } });
        }
        // a dead job revived while the user has a newer one waiting: that one takes it over
        const dead = await store.jobs.enqueue({ userId: 'revived', trigger: 'event', eventId: 'dead' }, 1, T0);
        await store.jobs.claim(A, T0, { id: dead.id });
        await store.jobs.fail(dead.id, A.owner, { message: 'BMS down', retryable: true }, backoff, T0);
        const newer = await store.jobs.enqueue({ userId: 'revived', trigger: 'sweep' }, 3, T0 + 1);
        expect((await store.jobs.revive(dead.id, T0 + 2)).id).toBe(newer.id);
        expect((await waitingOf('revived')).map((j) => j.id)).toEqual([newer.id]);
      });

      test("a sign-in's job that goes back to waiting continues as background work: a live sign-in goes first", async () => {
        const old = await store.jobs.enqueue({ userId: 'old-signin', trigger: 'login' }, 8, T0);
        await store.jobs.claim(A, T0);
        const retry = await store.jobs.fail(old.id, A.owner, { message: 'BMS answered 503', retryable: true }, backoff, T0);
        expect(retry.priority).toBeLessThan(PRIORITY.login);
        const live = await store.jobs.enqueue({ userId: 'live-signin', trigger: 'login' }, 8, retry.runAt + 1);
        expect((await store.jobs.claim(B, retry.runAt + 1, { minPriority: PRIORITY.login }))?.id).toBe(live.id); // the slot kept for sign-ins
        expect((await store.jobs.claim(B, retry.runAt + 1))?.id).toBe(old.id);
        // the same user signing in again raises it
        const again = await store.jobs.enqueue({ userId: 'again', trigger: 'login' }, 8, T0);
        await store.jobs.claim(A, T0, { id: again.id });
        await store.jobs.fail(again.id, A.owner, { message: 'x', retryable: true }, backoff, T0);
        expect((await store.jobs.enqueue({ userId: 'again', trigger: 'login' }, 8, T0 + 1)).priority).toBe(PRIORITY.login);
      });

      test('jobs are counted per trigger and state by the store', async () => {
        await store.jobs.enqueue({ userId: 'a', trigger: 'login' }, 3, T0);
        await store.jobs.enqueue({ userId: 'b', trigger: 'sweep' }, 3, T0);
        await store.jobs.enqueue({ userId: 'c', trigger: 'sweep' }, 3, T0);
        await store.jobs.claim(A, T0, { minPriority: PRIORITY.login });
        const counts = (await store.jobs.countByState()).sort((x, y) => `${x.trigger}${x.state}`.localeCompare(`${y.trigger}${y.state}`));
        expect(counts).toEqual([
          { trigger: 'login', state: 'running', count: 1 },
          { trigger: 'sweep', state: 'queued', count: 2 },
        ]);
      });

      test('one user enqueued by two processes at once gets one waiting job', async () => {
        const other = await second();
        const ids = await Promise.all([...Array(20).keys()].map((i) => (i % 2 ? store : other).jobs.enqueue({ userId: 'burst', trigger: 'event', eventId: `e${i}` }, 3, T0 + i)));
        expect(new Set(ids.map((j) => j.id)).size).toBe(1);
        expect((await store.jobs.get(ids[0].id))?.payload.triggers).toHaveLength(20);
      });

      test('live logins are claimed before background work queued earlier, and a worker can ask for logins only', async () => {
        for (let i = 0; i < 5; i++) await store.jobs.enqueue({ userId: `backfill-${i}`, trigger: 'sweep' }, 3, T0);
        const login = await store.jobs.enqueue({ userId: 'new-hire', trigger: 'login' }, 3, T0 + 10);
        const event = await store.jobs.enqueue({ userId: 'leaver', trigger: 'event' }, 3, T0 + 5);
        expect((await store.jobs.claim(A, T0 + 10, { minPriority: PRIORITY.login }))?.id).toBe(login.id);
        expect(await store.jobs.claim(A, T0 + 10, { minPriority: PRIORITY.login })).toBeUndefined();
        expect((await store.jobs.claim(A, T0 + 10))?.id).toBe(event.id);
        expect((await store.jobs.claim(A, T0 + 10))?.userId).toBe('backfill-0');
      });

      test('a sweep request does not cut short the backoff of a failing job; a login or an event does', async () => {
        const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'sweep' }, 5, T0);
        await store.jobs.claim(A, T0);
        const retry = await store.jobs.fail(id, A.owner, { message: 'BMS down', retryable: true }, backoff, T0);
        expect((await store.jobs.enqueue({ userId: 'u', trigger: 'sweep' }, 5, T0 + 1)).runAt).toBe(retry.runAt);
        expect(await store.jobs.enqueue({ userId: 'u', trigger: 'event' }, 5, T0 + 2)).toMatchObject({ runAt: T0 + 2, attempts: 0, state: 'queued' });
      });
    });

    describe('leases', () => {
      test("another process never resumes live work: only an expired lease is resumed (the CLI starting beside the server)", async () => {
        const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'login' }, 3, T0);
        await store.jobs.claim(A, T0);
        const cli = await second();
        expect(await cli.jobs.resumeExpired(T0 + A.ms - 1)).toBe(0);
        expect(await cli.jobs.claim(B, T0 + 1)).toBeUndefined(); // the same user: never twice at once
        expect((await cli.jobs.get(id))?.leaseOwner).toBe(A.owner);
        expect(await store.jobs.complete(id, A.owner, { ok: true }, T0 + 2)).toMatchObject({ state: 'done' });
      });

      test('a renewed lease stays live; a process that died (no renewal) loses its jobs to the next claim, with the attempt counted', async () => {
        const kept = await store.jobs.enqueue({ userId: 'kept', trigger: 'event' }, 3, T0);
        const orphan = await store.jobs.enqueue({ userId: 'orphan', trigger: 'event' }, 3, T0);
        await store.jobs.claim(A, T0);
        await store.jobs.claim(A, T0);
        expect(await store.jobs.renew([kept.id], A, T0 + 20_000)).toEqual([kept.id]);
        const other = await second();
        expect(await other.jobs.resumeExpired(T0 + A.ms + 1)).toBe(1);
        expect((await other.jobs.get(kept.id))?.leaseOwner).toBe(A.owner);
        expect(await other.jobs.claim(B, T0 + A.ms + 1)).toMatchObject({ id: orphan.id, attempts: 2, leaseOwner: B.owner });
      });

      test('a process whose lease was lost cannot record a result over the new run, nor renew it', async () => {
        const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'event' }, 3, T0);
        await store.jobs.claim(A, T0);
        const other = await second();
        await other.jobs.resumeExpired(T0 + A.ms + 1);
        await other.jobs.claim(B, T0 + A.ms + 1);
        expect(await store.jobs.renew([id], A, T0 + A.ms + 2)).toEqual([]);
        await expect(store.jobs.complete(id, A.owner, 'late', T0 + A.ms + 2)).rejects.toThrow(LeaseLostError);
        await expect(store.jobs.fail(id, A.owner, { message: 'late', retryable: true }, backoff, T0 + A.ms + 2)).rejects.toThrow(LeaseLostError);
        expect(await other.jobs.complete(id, B.owner, 'on time', T0 + A.ms + 3)).toMatchObject({ state: 'done', result: 'on time' });
      });

      test('a stopping process releases its running jobs at once; other owners keep theirs', async () => {
        const mine = await store.jobs.enqueue({ userId: 'mine', trigger: 'event' }, 3, T0);
        const theirs = await store.jobs.enqueue({ userId: 'theirs', trigger: 'event' }, 3, T0);
        await store.jobs.claim(A, T0);
        await store.jobs.claim(B, T0);
        expect(await store.jobs.release(A.owner, T0 + 1)).toBe(1);
        expect(await store.jobs.get(mine.id)).toMatchObject({ state: 'queued', leaseOwner: null });
        expect(await store.jobs.get(theirs.id)).toMatchObject({ state: 'running', leaseOwner: B.owner });
      });

      test('a crash: the reopened store resumes the dead process\'s job once its lease has expired', async () => {
        const { id } = await store.jobs.enqueue({ userId: 'u', trigger: 'event' }, 3, T0);
        await store.jobs.claim(A, T0);
        const restarted = await second();
        expect(await restarted.jobs.resumeExpired(T0 + 5)).toBe(0);
        expect(await restarted.jobs.resumeExpired(T0 + A.ms + 5)).toBe(1);
        expect(await restarted.jobs.claim(B, T0 + A.ms + 5)).toMatchObject({ id, state: 'running', attempts: 2 });
      });

      test('two processes claiming at once never get the same job', async () => {
        const other = await second();
        for (let i = 0; i < 30; i++) await store.jobs.enqueue({ userId: `u${i}`, trigger: 'event' }, 3, T0);
        const claims = await Promise.all([...Array(40).keys()].map((i) => (i % 2 ? store.jobs.claim(A, T0) : other.jobs.claim(B, T0))));
        const ids = claims.filter((j) => j !== undefined).map((j) => j.id);
        expect(ids).toHaveLength(30);
        expect(new Set(ids).size).toBe(30);
      });
    });

    describe('coordination of several bridges', () => {
      test('a named lease is held by one owner at a time, renewed by it, taken over once expired, and given up', async () => {
        const other = await second();
        expect(await store.coordination.holdLease('sweep', A, T0)).toBe(true);
        expect(await other.coordination.holdLease('sweep', B, T0 + 1)).toBe(false);
        expect(await store.coordination.holdLease('sweep', A, T0 + 20_000)).toBe(true); // renewed until T0 + 50 s
        expect(await other.coordination.holdLease('sweep', B, T0 + 40_000)).toBe(false);
        expect(await other.coordination.leaseHolder('sweep', T0 + 40_000)).toBe(A.owner);
        expect(await other.coordination.holdLease('sweep', B, T0 + 50_001)).toBe(true); // A died: B hands over
        await other.coordination.releaseLease('sweep', A.owner); // not A's any more: nothing happens
        expect(await store.coordination.leaseHolder('sweep', T0 + 50_002)).toBe(B.owner);
        await other.coordination.releaseLease('sweep', B.owner);
        expect(await store.coordination.holdLease('sweep', A, T0 + 50_003)).toBe(true);
      });

      test('only one of many bridges racing for a free lease gets it', async () => {
        const others = await Promise.all([second(), second(), second()]);
        const won = await Promise.all([store, ...others].map((s, i) => s.coordination.holdLease('sweep', { owner: `bridge-${i}`, ms: 30_000 }, T0)));
        expect(won.filter(Boolean)).toHaveLength(1);
      });

      test('a version bumped by one bridge is seen by another', async () => {
        const other = await second();
        expect(await other.coordination.version('rules:passly')).toBe(0);
        expect(await store.coordination.bumpVersion('rules:passly')).toBe(1);
        expect(await store.coordination.bumpVersion('rules:passly')).toBe(2);
        expect(await other.coordination.version('rules:passly')).toBe(2);
        expect(await other.coordination.version('rules:other')).toBe(0);
      });

      test('the BMS call budget is shared: background work stops at its ceiling, sign-ins go on to the limit, then all wait for the window', async () => {
        const other = await second();
        const budget = { endpoint: 'GET /employees', limit: 5, windowMs: 60_000, ceiling: 3 };
        const taken = [];
        for (let i = 0; i < 4; i++) taken.push((await (i % 2 ? other : store).coordination.takeCall(budget, false, T0 + i)).ok);
        expect(taken).toEqual([true, true, true, false]); // the last two calls are kept for sign-ins
        expect(await other.coordination.takeCall(budget, true, T0 + 10)).toEqual({ ok: true });
        expect(await store.coordination.takeCall(budget, true, T0 + 11)).toEqual({ ok: true });
        expect(await store.coordination.takeCall(budget, true, T0 + 12)).toEqual({ ok: false, retryInMs: 60_001 - 12 });
        expect(await other.coordination.callsInWindow(60_000, T0 + 13)).toEqual({ 'GET /employees': 5 });
        expect(await other.coordination.takeCall({ ...budget, endpoint: 'POST /employees' }, false, T0 + 14)).toEqual({ ok: true }); // per endpoint
        expect((await store.coordination.takeCall(budget, false, T0 + 60_001)).ok).toBe(false); // two background calls left the window, the third not yet
        expect((await store.coordination.takeCall(budget, false, T0 + 60_002)).ok).toBe(true); // now three have
      });

      test("BMS's Retry-After, seen by one bridge, holds every bridge's calls to that endpoint", async () => {
        const other = await second();
        const budget = { endpoint: 'PATCH /employees', limit: 100, windowMs: 60_000, ceiling: 90 };
        await store.coordination.holdCalls('PATCH /employees', 30_000, T0);
        await store.coordination.holdCalls('PATCH /employees', 10_000, T0); // a shorter hold never shortens a longer one
        expect(await other.coordination.takeCall(budget, true, T0)).toEqual({ ok: false, retryInMs: 30_000 });
        expect((await other.coordination.takeCall(budget, true, T0 + 30_000)).ok).toBe(true);
      });
    });

    describe('deliveries, links, the sweep back-off and retention', () => {
      test('the first answer to a webhook id wins and is returned for replays, across processes', async () => {
        const other = await second();
        expect(await store.deliveries.delivery('msg_1')).toBeUndefined();
        await store.deliveries.rememberDelivery('msg_1', 200, { status: 'provisioned' });
        expect(await other.deliveries.rememberDelivery('msg_1', 200, { status: 'denied' })).toEqual({ status: 200, body: { status: 'provisioned' } });
      });

      test('a Keycloak user is linked to one BMS employee, and an employee to one user', async () => {
        await store.links.saveLink('u', view(101), T0);
        await store.links.saveLink('u', view(102), T0 + 1);
        expect((await store.links.linkOf('u'))?.employeeId).toBe(102);
        expect(await store.links.linkOf('other')).toBeUndefined();
        await expect(store.links.saveLink('other', view(102))).rejects.toThrow(LinkConflictError);
        await store.links.moveLink('u', 'rehired', view(102));
        expect((await store.links.linkOfEmployee(102))?.userId).toBe('rehired');
        expect(await store.links.linkOf('u')).toBeUndefined();
        expect(await store.links.linkedUserIds()).toEqual(['rehired']);
      });

      test('two processes linking one employee to two users at once: exactly one wins', async () => {
        const other = await second();
        const results = await Promise.allSettled([store.links.saveLink('x', view(555)), other.links.saveLink('y', view(555))]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r) => r.status === 'rejected');
        expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(LinkConflictError);
      });

      test("a link keeps its record and first link time; forgetting the record makes the next job read BMS; the write-back mark sticks", async () => {
        await store.links.saveLink('u', view(7), T0);
        await store.links.saveLink('u', { ...view(7), firstName: 'Z' }, T0 + 5);
        expect(await store.links.linkOf('u')).toEqual({ userId: 'u', employeeId: 7, record: { ...view(7), firstName: 'Z' }, linkedAt: T0, attributeUnwritable: false });
        expect(await store.links.forgetRecord(7)).toBe('u');
        expect(await store.links.forgetRecord(8)).toBeUndefined();
        await store.links.markAttributeUnwritable('u');
        expect(await store.links.linkOf('u')).toMatchObject({ record: null, attributeUnwritable: true });
      });

      test("a sign-in's view of a user is their link and whether a job is queued, waiting to retry or running, from any process", async () => {
        const other = await second();
        expect(await store.signInView('u')).toEqual({ link: undefined, pendingJob: false });
        await other.links.saveLink('u', view(9), T0);
        expect(await store.signInView('u')).toEqual({ link: await store.links.linkOf('u'), pendingJob: false });
        const job = await other.jobs.enqueue({ userId: 'u', trigger: 'event' }, 1, T0);
        expect(await store.signInView('u')).toMatchObject({ link: { employeeId: 9 }, pendingJob: true });
        expect(await store.signInView('someone-else')).toEqual({ link: undefined, pendingJob: false });
        await other.jobs.claim(A, T0);
        expect((await store.signInView('u')).pendingJob).toBe(true); // running
        await other.jobs.fail(job.id, A.owner, { message: 'BMS down', retryable: true }, backoff, T0);
        expect((await store.signInView('u')).pendingJob).toBe(false); // dead after its one attempt: nothing will change the link
      });

      test('the sweep backs off a user whose jobs die, doubling each time; a success clears it', async () => {
        await store.jobs.recordOutcome('u', true, 60_000, T0);
        const first = (await store.jobs.sweepNotBefore('u')) ?? 0;
        await store.jobs.recordOutcome('u', true, 60_000, T0);
        expect(((await store.jobs.sweepNotBefore('u')) ?? 0) - T0).toBe(2 * (first - T0));
        await store.jobs.recordOutcome('u', false, 60_000, T0);
        expect(await store.jobs.sweepNotBefore('u')).toBeUndefined();
      });

      test('retention: old deliveries and finished jobs are deleted; waiting and running work never is', async () => {
        await store.deliveries.rememberDelivery('old', 202, {}, T0);
        await store.deliveries.rememberDelivery('new', 202, {}, T0 + 9_000);
        const done = await store.jobs.enqueue({ userId: 'a', trigger: 'event' }, 3, T0);
        await store.jobs.claim(A, T0);
        await store.jobs.complete(done.id, A.owner, null, T0);
        await store.jobs.enqueue({ userId: 'b', trigger: 'event' }, 3, T0);
        await store.jobs.enqueue({ userId: 'c', trigger: 'event' }, 3, T0);
        await store.jobs.claim(A, T0);
        expect(await store.purge({ deliveriesMs: 5_000, jobsMs: 5_000 }, T0 + 10_000)).toEqual({ deliveries: 1, jobs: 1, audit: 0, expired: 0 });
        expect(await store.deliveries.delivery('new')).toBeDefined();
        expect(await store.jobs.list()).toHaveLength(2);
      });
    });

    describe('the audit trail', () => {
      test('entries are kept as recorded and read per user, oldest first or newest first, from any process', async () => {
        const other = await second();
        await store.audit.record({ at: T0, userId: 'ada', kind: 'decision', what: 'provision by rule Techs', why: "group 'BMS-Techs'", trigger: 'login', by: 'evt-1', jobId: 7, details: { rule: 'Techs', groups: ['BMS-Techs'] } });
        await other.audit.record({ at: T0 + 1, userId: 'grace', kind: 'bms-write', what: 'created BMS employee 12', trigger: 'sweep' });
        await store.audit.record({ at: T0 + 2, userId: 'ada', kind: 'bms-write', what: 'created BMS employee 11', trigger: 'login', details: { employeeId: 11 } });
        await other.audit.record({ at: T0 + 3, userId: null, kind: 'admin-action', what: 'started a sweep', trigger: 'admin', by: 'admin-alice' });
        const ada = await other.audit.list({ userId: 'ada' });
        expect(ada.map((e) => e.what)).toEqual(['provision by rule Techs', 'created BMS employee 11']);
        expect(ada[0]).toEqual({ id: expect.any(Number), at: T0, userId: 'ada', kind: 'decision', what: 'provision by rule Techs', why: "group 'BMS-Techs'", trigger: 'login', by: 'evt-1', jobId: 7, details: { rule: 'Techs', groups: ['BMS-Techs'] } });
        expect(ada[1]).toMatchObject({ why: null, by: null, jobId: null, details: { employeeId: 11 } });
        expect((await store.audit.list({ newestFirst: true, limit: 2 })).map((e) => e.what)).toEqual(['started a sweep', 'created BMS employee 11']);
        const all = await store.audit.list();
        expect(all.map((e) => e.userId)).toEqual(['ada', 'grace', 'ada', null]);
        expect((await store.audit.list({ afterId: all[1].id })).map((e) => e.id)).toEqual([all[2].id, all[3].id]); // paging for an export
        expect(await store.audit.list({ since: T0 + 2 })).toHaveLength(2);
      });

      // recorded together, entries share one INSERT (PostgreSQL: arrays); one at a time, each has its own (a VALUES row)
      test.each([['together', true], ['one at a time', false]] as const)('entries recorded %s keep their order and their text exactly (quotes, braces, commas, backslashes, non-ASCII)', async (_how, together) => {
        const odd = ['a "quoted" {brace}, comma', 'back\\slash \\" and NULL', 'Zoë Ångström — 日本', ''];
        const each = (how: (what: string, i: number) => Promise<void>): Promise<unknown> => (together ? Promise.all(odd.map(how)) : odd.reduce((done, what, i) => done.then(() => how(what, i)), Promise.resolve()));
        await each((what, i) => store.audit.record({ at: T0 + i, userId: i % 2 ? null : `u${i}`, kind: 'decision', what, why: i === 1 ? null : what, trigger: 'login', by: what || null, jobId: i === 2 ? null : i, details: { what, list: [what] } }));
        const read = await store.audit.list();
        expect(read.map((e) => e.what)).toEqual(odd);
        read.forEach((e, i) => expect(e).toEqual({ id: expect.any(Number), at: T0 + i, userId: i % 2 ? null : `u${i}`, kind: 'decision', what: odd[i], why: i === 1 ? null : odd[i], trigger: 'login', by: odd[i] || null, jobId: i === 2 ? null : i, details: { what: odd[i], list: [odd[i]] } }));
      });

      // one caller's bad entry must not cost the other callers of its batch their entries (the NUL comes from a
      // directory: SQLite keeps it, PostgreSQL's jsonb refuses it, and then that entry alone)
      test('an entry the store refuses takes no other entry of its batch with it', async () => {
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        const results = await Promise.allSettled([
          store.audit.record({ at: T0, userId: 'ada', kind: 'decision', what: 'first', trigger: 'login' }),
          store.audit.record({ at: T0 + 1, userId: 'mallory', kind: 'decision', what: 'circular details', trigger: 'login', details: circular }),
          store.audit.record({ at: T0 + 2, userId: 'grace', kind: 'decision', what: 'third', trigger: 'login' }),
          store.audit.record({ at: T0 + 3, userId: 'eve', kind: 'decision', what: 'a NUL in a group', trigger: 'login', details: { groups: ['Evil\u0000Group'] } }),
        ]);
        expect(results.slice(0, 3).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const kept = (await store.audit.list()).map((e) => e.what);
        expect(kept.filter((what) => what !== 'a NUL in a group')).toEqual(['first', 'third']);
        expect(kept.includes('a NUL in a group')).toBe(results[3].status === 'fulfilled');
      });

      // no TypeError here: on PostgreSQL it is the server that refuses (jsonb: class 22; an index entry too long: 54)
      test('entries the server refuses fail alone; the others of their batch are kept', async () => {
        const results = await Promise.allSettled([
          store.audit.record({ at: T0, userId: 'ada', kind: 'decision', what: 'first', trigger: 'login' }),
          store.audit.record({ at: T0 + 1, userId: 'eve', kind: 'decision', what: 'NUL', trigger: 'login', details: { groups: ['Evil\u0000Group'] } }),
          store.audit.record({ at: T0 + 2, userId: 'grace', kind: 'decision', what: 'third', trigger: 'login' }),
          store.audit.record({ at: T0 + 3, userId: 'eve', kind: 'decision', what: 'lone surrogate', trigger: 'login', details: { groups: ['Half \ud800 pair'] } }),
          store.audit.record({ at: T0 + 4, userId: 'x'.repeat(3000).replace(/x/g, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))), kind: 'decision', what: 'huge id', trigger: 'login' }),
          store.audit.record({ at: T0 + 5, userId: 'linus', kind: 'decision', what: 'sixth', trigger: 'login' }),
        ]);
        const kept = (await store.audit.list()).map((e) => e.what);
        expect(kept.filter((what) => ['first', 'third', 'sixth'].includes(what))).toEqual(['first', 'third', 'sixth']);
        results.forEach((r, i) => expect(r.status === 'fulfilled').toBe(kept.includes(['first', 'NUL', 'third', 'lone surrogate', 'huge id', 'sixth'][i])));
      });

      test('closing a store first writes the audit entries recorded on it', async () => {
        const handle = await factory.reopen(store);
        const recorded = handle.audit.record({ at: T0, userId: 'ada', kind: 'decision', what: 'recorded just before the close', trigger: 'login' });
        await handle.close();
        await expect(recorded).resolves.toBeUndefined();
        expect((await store.audit.list()).map((e) => e.what)).toEqual(['recorded just before the close']);
      });

      test('retention deletes audit entries older than its audit setting, and only those', async () => {
        await store.audit.record({ at: T0, userId: 'ada', kind: 'decision', what: 'old', trigger: 'login' });
        await store.audit.record({ at: T0 + 9_000, userId: 'ada', kind: 'decision', what: 'new', trigger: 'login' });
        expect(await store.purge({ deliveriesMs: 5_000, jobsMs: 5_000, auditMs: 5_000 }, T0 + 10_000)).toEqual({ deliveries: 0, jobs: 0, audit: 1, expired: 0 });
        expect((await store.audit.list()).map((e) => e.what)).toEqual(['new']);
      });
    });

    describe('expiring entries (admin sessions, SAML request ids)', () => {
      test('a value is read until it expires, replaced by a later put, and seen by another process', async () => {
        const other = await second();
        await store.expiring.put('session:a', '{"n":1}', T0 + 1_000);
        expect(await other.expiring.get('session:a', T0)).toBe('{"n":1}');
        await other.expiring.put('session:a', '{"n":2}', T0 + 2_000);
        expect(await store.expiring.get('session:a', T0 + 1_500)).toBe('{"n":2}');
        expect(await store.expiring.get('session:a', T0 + 2_000)).toBeUndefined();
        expect(await store.expiring.get('session:none', T0)).toBeUndefined();
      });

      test('take gives a value to one caller only, never an expired one; purge forgets expired entries', async () => {
        const other = await second();
        await store.expiring.put('saml-request:id-1', 'x', T0 + 1_000);
        const taken = await Promise.all([store.expiring.take('saml-request:id-1', T0), other.expiring.take('saml-request:id-1', T0)]);
        expect(taken.filter((v) => v === 'x')).toHaveLength(1);
        await store.expiring.put('saml-request:id-2', 'y', T0 + 1_000);
        expect(await store.expiring.take('saml-request:id-2', T0 + 1_000)).toBeUndefined();
        await store.expiring.put('session:old', 'o', T0 + 10);
        await store.expiring.put('session:live', 'l', T0 + 20_000);
        expect((await store.purge({ deliveriesMs: 5_000, jobsMs: 5_000 }, T0 + 10_000)).expired).toBe(1);
        expect(await store.expiring.get('session:live', T0 + 10_000)).toBe('l');
      });
    });
  });
}
