/**
 * How fast this host runs plain CPU work right now: the same fixed loop (integer arithmetic, no allocation, no I/O)
 * timed in the bench's own process. This machine's speed changes from day to day and within an hour (a shared host:
 * the bridge's CPU time per webhook ranged 0.94–1.9 ms over runs of the same code), so a bench prints this beside its
 * figures: two runs compare only when their reference loops took about as long.
 */
export function referenceLoopMs(): number {
  const started = process.hrtime.bigint();
  let x = 0;
  for (let i = 0; i < 150_000_000; i++) x = (x * 31 + i) | 0;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // the result is used, so the loop cannot be optimised away
  return x === 0.5 ? -1 : ms;
}
