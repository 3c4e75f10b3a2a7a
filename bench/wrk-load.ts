/**
 * The bridge bench's sustained load, sent by wrk (Debian's `wrk` 4, a load generator written in C) rather than by Node:
 * the bench and the bridges share two cores, and the Node sender took 0.3–0.45 ms of CPU per webhook, a third of what a
 * bridge takes. That is CPU a second bridge could not have, so it held down the two-bridge figure. wrk takes about
 * 0.1 ms. In production the senders are Keycloak nodes on other hosts. The webhooks are signed beforehand with
 * standardwebhooks (bench/wrk-replay.lua replays them, each once).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { Webhook } from 'standardwebhooks';

import { repoRoot } from '../test/stack/project';
import { onBenchExit } from './bench-processes';

/** Latencies in µs → how many answers took that long: the whole distribution, so phases add up exactly. */
export type Histogram = Map<number, number>;

/** What one wrk run measured: every answer was 200 "provisioned" (else runWrk rejects). */
export interface WrkRun {
  answered: number;
  seconds: number;
  /** wrk's CPU time (all its threads) from its first request to the end of the load, ms */
  cpuMs: number;
  /** the latency of each answer as measured (wrk's own correction taken out, see uncorrected) */
  latencies: Histogram;
}

/** A clear error, before any setup starts, when wrk is not installed. */
export function checkWrk(): void {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) throw new Error('wrk is not installed: `npm run bench` and `npm test` install it (scripts/bootstrap.sh --bench runs apt-get install wrk)');
}

/** How the sign-in webhook of bench user `user` reads; the same body as the bench's own sender (bridge-bench.ts). */
export type WebhookBody = (user: number, eventId: string) => string;

/**
 * Writes `count` signed sign-in webhooks for `url` to `file` as whole HTTP/1.1 requests (NUL-separated), for the bench
 * users `first`, `first + step`, … (mod `users`), each with a webhook id of its own (`prefix` + n). Signed now:
 * Standard Webhooks receivers accept a timestamp up to 5 minutes old, and a phase starts at once.
 */
export function writeSignedWebhooks(file: string, o: { url: string; secret: string; users: number; first: number; step: number; count: number; prefix: string; body: WebhookBody }): void {
  const signer = new Webhook(o.secret);
  const host = new URL(o.url).host;
  const now = new Date();
  const seconds = Math.floor(now.getTime() / 1000);
  // written in small chunks: the garbage stays young, so no full collection of this process falls into the phase
  const fd = openSync(file, 'w');
  try {
    for (let chunk = 0; chunk < o.count; chunk += 500) {
      const requests: string[] = [];
      for (let n = chunk; n < Math.min(o.count, chunk + 500); n++) {
        const id = `${o.prefix}${n}`;
        const body = o.body((o.first + n * o.step) % o.users, id);
        const headers = [`Host: ${host}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, `webhook-id: ${id}`, `webhook-timestamp: ${seconds}`, `webhook-signature: ${signer.sign(id, now, body)}`];
        requests.push(`POST /webhooks/keycloak HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${body}\0`);
      }
      writeSync(fd, requests.join(''));
    }
  } finally {
    closeSync(fd);
  }
}

/** wrk processes still running, stopped if the bench is interrupted (else each runs out its -d seconds). */
const liveWrks = new Set<ChildProcess>();
onBenchExit(() => liveWrks.forEach((wrk) => wrk.kill('SIGTERM')));

/**
 * Runs wrk against `url` for `seconds` (whole seconds: wrk's unit) with `connections` connections on one thread, each
 * sending its next request when the last was answered (closed loop, like Keycloak's step waiting for its answer).
 * Rejects when wrk fails, when any answer failed or was not 200 "provisioned" (the figures would be wrong), and when
 * it ran out of pre-signed requests (the webhook ids would repeat).
 */
export function runWrk(url: string, connections: number, seconds: number, file: string): Promise<WrkRun> {
  const script = join(repoRoot, 'bench', 'wrk-replay.lua'); // from dist/bench (npm run bench) and bench/ (ts-jest) alike
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, url, '--', file];
  return new Promise((resolve, reject) => {
    const wrk = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    liveWrks.add(wrk);
    let out = '';
    let err = '';
    wrk.stdout.on('data', (d: Buffer) => (out += d.toString()));
    wrk.stderr.on('data', (d: Buffer) => (err += d.toString()));
    wrk.once('error', reject);
    wrk.once('close', (code) => {
      liveWrks.delete(wrk);
      const result = /WRK-RESULT answered=(\d+) duration_us=(\d+) cpu_ms=([\d.]+) failed=(\d+) exhausted=(\d+) of=(\d+) unexpected=(\d+)/.exec(out);
      const latency = /WRK-LATENCY ?(.*)/.exec(out);
      if (code !== 0 || !result || !latency) return reject(new Error(`wrk ${args.join(' ')} ended with code ${code}: ${(err || out).trim().slice(-300)}`));
      const [answered, durationUs, cpuMs, failed, exhausted, presigned, unexpected] = result.slice(1).map(Number);
      // failures first: wrk asks for a new request on every reconnect, so a dead bridge also uses the webhooks up
      if (failed || unexpected) return reject(new Error(`${url}: ${failed} webhooks failed (connection errors, timeouts, answers other than 2xx) and ${unexpected} were answered other than 200 "provisioned" out of ${answered}: the figures would be wrong; see the bridge's output above`));
      if (exhausted > 0) return reject(new Error(`wrk sent all ${presigned} pre-signed webhooks before its ${seconds} s were up (${exhausted} more were asked for): the bench signs too few for this machine; raise PRESIGNED_PER_SECOND in bench/bridge-bench.ts`));
      try {
        resolve({ answered, seconds: durationUs / 1e6, cpuMs, latencies: uncorrected(histogramOf(latency[1]), { durationUs, answered, connections }) });
      } catch (e) {
        reject(e);
      }
    });
  });
}

/**
 * The latencies wrk measured, from the histogram it hands its script. wrk 4.1 "corrects" that histogram for coordinated
 * omission before: with interval = duration / (answered / connections), every latency n ≥ 2·interval also adds its
 * count at n − interval, n − 2·interval, … while above interval (wg/wrk 4.1.0, src/wrk.c main and stats_correct in
 * src/stats.c). Those made-up answers raised the p99 by a third and more. This undoes it from the top down, where each
 * count is still the measured one, and checks that the result holds exactly the answers counted. Throws otherwise.
 */
export function uncorrected(corrected: Histogram, run: { durationUs: number; answered: number; connections: number }): Histogram {
  const histogram = new Map(corrected);
  const perConnection = Math.floor(run.answered / run.connections);
  if (perConnection > 0) {
    const interval = Math.floor(run.durationUs / perConnection);
    for (const us of [...histogram.keys()].sort((a, b) => b - a)) {
      const count = histogram.get(us) ?? 0;
      if (us < 2 * interval || !count) continue;
      for (let m = us - interval; m > interval; m -= interval) {
        const left = (histogram.get(m) ?? 0) - count;
        if (left < 0) throw new Error(`wrk's latency histogram is not one wrk 4.1 corrected (at ${m} µs); check \`wrk --version\``);
        if (left) histogram.set(m, left);
        else histogram.delete(m);
      }
    }
  }
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (total !== run.answered) throw new Error(`wrk's latency histogram holds ${total} answers after its correction is taken out, not the ${run.answered} it counted; check \`wrk --version\` (4.1 expected)`);
  return histogram;
}

/** `µs:count µs:count …` as wrk-replay.lua writes it. */
function histogramOf(text: string): Histogram {
  const histogram: Histogram = new Map();
  for (const pair of text.trim().split(' ').filter(Boolean)) {
    const [us, count] = pair.split(':').map(Number);
    histogram.set(us, (histogram.get(us) ?? 0) + count);
  }
  return histogram;
}

/** Adds `from` into `into`. */
export function addHistogram(into: Histogram, from: Histogram): void {
  for (const [us, count] of from) into.set(us, (into.get(us) ?? 0) + count);
}

/** The `p`-th percentile (0–100) of a histogram, ms; undefined when it is empty. */
export function percentileMs(histogram: Histogram, p: number): number | undefined {
  const total = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (!total) return undefined;
  const rank = Math.min(total - 1, Math.floor((p / 100) * total));
  let seen = 0;
  for (const us of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(us) ?? 0;
    if (seen > rank) return us / 1000;
  }
  return undefined;
}
