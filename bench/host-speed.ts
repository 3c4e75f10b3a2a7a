import { spawnSync } from 'node:child_process';

/** The reference loop, run alone in a fresh Node process: it prints its wall time in ms. */
const LOOP = `function loop() { let x = 0; for (let i = 0; i < 300000000; i++) x = (Math.imul(x, 31) + i) | 0; return x; }
const t = process.hrtime.bigint(); const x = loop(); console.log(Number(process.hrtime.bigint() - t) / 1e6, x);`;

/**
 * How fast this host runs plain CPU work right now: a fixed loop (int32 arithmetic through Math.imul, no allocation,
 * no I/O) timed in a fresh Node process. Fresh, because in the bench's own process the same loop ran 4-5 times slower
 * after the load than before it (417 / 1983 ms) while alone it took 415-442 ms call after call: V8's state in a
 * long-running process, not the host. Math.imul keeps every value an int32, so the loop runs at one speed from its
 * first iteration (an earlier `x * 31` form overflowed into doubles and sped up 5 times once optimised), and it runs
inside a function (as top-level code its variables live in the script's scope, which made it 4-5 times slower).
 * This machine's speed changes from day to day and within an hour (a shared host: the bridge's CPU time per webhook
 * ranged 0.94–1.9 ms over runs of the same code), so a bench prints this beside its figures: two runs compare only
 * when their reference loops took about as long. In ms; NaN when the process could not run.
 */
export function referenceLoopMs(): number {
  const run = spawnSync(process.execPath, ['-e', LOOP], { encoding: 'utf8', timeout: 60_000 });
  return Number.parseFloat(run.stdout ?? '');
}
