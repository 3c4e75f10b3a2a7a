import { GroupCommit } from './group-commit';

test('callers of one turn share a commit; those arriving during a commit share the next; each resolves once committed', async () => {
  const commits: number[][] = [];
  let release: () => void = () => undefined;
  const group = new GroupCommit<number>(async (items) => {
    commits.push(items);
    if (commits.length === 1) await new Promise<void>((resolve) => (release = resolve));
  });
  const first = [1, 2, 3].map((n) => group.add(n));
  await new Promise((r) => setImmediate(r));
  const second = [4, 5].map((n) => group.add(n)); // the first commit is still running
  let firstDone = false;
  void Promise.all(first).then(() => (firstDone = true));
  await new Promise((r) => setTimeout(r, 10));
  expect(firstDone).toBe(false); // not acknowledged before its commit ends
  release();
  await Promise.all([...first, ...second]);
  expect(commits).toEqual([[1, 2, 3], [4, 5]]);
});

test('callers that reach the store after a few awaits of their own, in one turn of the event loop, share one commit', async () => {
  const commits: number[][] = [];
  const group = new GroupCommit<number>(async (items) => void commits.push(items));
  // a request's way to its audit entry is a chain of awaits (verify, read the link, decide): callers further along
  // that chain than the first still join its commit, as requests read in one I/O phase do
  const callerAfter = async (awaits: number, item: number): Promise<void> => {
    for (let i = 0; i < awaits; i++) await Promise.resolve();
    await group.add(item);
  };
  await Promise.all([callerAfter(0, 1), callerAfter(3, 2), callerAfter(10, 3)]);
  expect(commits).toEqual([[1, 2, 3]]);
});

test('a failed commit rejects exactly its own callers; the next commit goes on', async () => {
  let fail = true;
  const group = new GroupCommit<string>(async () => {
    if (fail) throw new Error('disk full');
  });
  const failed = group.add('a');
  await expect(failed).rejects.toThrow('disk full');
  fail = false;
  await expect(group.add('b')).resolves.toBeUndefined();
});

test('a batch refused for one item is written again item by item when the error allows it, so only that caller fails', async () => {
  const commits: string[][] = [];
  const group = new GroupCommit<string>(
    async (items) => {
      if (items.includes('bad')) throw new TypeError('cannot serialise bad');
      commits.push(items);
    },
    { retryAlone: (err) => err instanceof TypeError },
  );
  const results = await Promise.allSettled(['a', 'bad', 'c'].map((item) => group.add(item)));
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(commits).toEqual([['a'], ['c']]);
});

test('an outage (an error not allowed a retry) fails the whole batch with one attempt, not one per item', async () => {
  let attempts = 0;
  const group = new GroupCommit<string>(
    async () => {
      attempts++;
      throw new Error('connection terminated');
    },
    { retryAlone: (err) => err instanceof TypeError },
  );
  const results = await Promise.allSettled(['a', 'b', 'c'].map((item) => group.add(item)));
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  expect(attempts).toBe(1);
});

test('settled() resolves once everything added so far is written', async () => {
  const commits: number[][] = [];
  const group = new GroupCommit<number>(async (items) => void commits.push(items));
  void group.add(1);
  void group.add(2);
  await group.settled();
  expect(commits).toEqual([[1, 2]]);
  await group.settled(); // nothing waiting: at once
});

test("a test's fake timers do not hold a commit back", async () => {
  jest.useFakeTimers();
  try {
    const commits: number[][] = [];
    const group = new GroupCommit<number>(async (items) => void commits.push(items));
    await group.add(1);
    expect(commits).toEqual([[1]]);
  } finally {
    jest.useRealTimers();
  }
});

test('an outage during the item-by-item retry fails the rest at once, not after one attempt each', async () => {
  let attempts = 0;
  const group = new GroupCommit<string>(
    async (items) => {
      attempts++;
      if (items.length > 1) throw new TypeError('one of them cannot be serialised');
      if (items[0] === 'b') throw new Error('connection terminated');
    },
    { retryAlone: (err) => err instanceof TypeError },
  );
  const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((item) => group.add(item)));
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
  expect(attempts).toBe(3); // the batch, a, b: nothing for c and d
});

test('an error thrown as undefined fails its batch and leaves the queue working', async () => {
  let fail = true;
  const group = new GroupCommit<string>(
    async () => {
      if (fail) throw undefined;
    },
    { retryAlone: (err) => (err as { code: string }).code === '22P05' },
  );
  const results = await Promise.allSettled(['a', 'b'].map((item) => group.add(item)));
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  fail = false;
  await expect(group.add('c')).resolves.toBeUndefined();
});
