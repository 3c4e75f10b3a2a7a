/**
 * How fast this host runs plain CPU work right now: the same fixed loop (int32 arithmetic through Math.imul, no
 * allocation, no I/O) timed in the bench's own process. Math.imul keeps every value an int32, so V8 runs the loop at
 * one speed from its first call (the earlier `x * 31` form overflowed into doubles and ran 5 times faster once the
 * optimiser stepped in, which made it a measure of the optimiser). This machine's speed changes from day to day and
 * within an hour (a shared host: the bridge's CPU time per webhook ranged 0.94–1.9 ms over runs of the same code), so
 * a bench prints this beside its figures: two runs compare only when their reference loops took about as long. In ms.
 */
export function referenceLoopMs(): number {
  const started = process.hrtime.bigint();
  let x = 0;
  for (let i = 0; i < 300_000_000; i++) x = (Math.imul(x, 31) + i) | 0;
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // the result is used, so the loop cannot be optimised away
  return x === 0.5 ? -1 : ms;
}
