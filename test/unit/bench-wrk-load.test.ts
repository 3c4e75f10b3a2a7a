import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Webhook } from 'standardwebhooks';

import { addHistogram, checkWrk, Histogram, percentileMs, runWrk, uncorrected, writeSignedWebhooks } from '../../bench/wrk-load';
import { newWebhookSecret } from '../stack/webhook-secret';

/** The bridge bench's pre-signed webhooks (replayed by wrk) and its latency histograms. */
describe('bench: wrk load', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'wrk-load-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes whole HTTP requests that the bridge\'s verifier accepts, each with an id of its own, for the users asked', () => {
    const secret = newWebhookSecret();
    const file = join(dir, 'webhooks.http');
    const body = (user: number, eventId: string): string => JSON.stringify({ user: `user-${user}`, eventId, note: 'é ü' });
    writeSignedWebhooks(file, { url: 'http://127.0.0.1:4321', secret, users: 5, first: 1, step: 2, count: 1203, prefix: 'msg_t_', body });

    const requests = readFileSync(file, 'utf8').split('\0').filter(Boolean);
    expect(requests).toHaveLength(1203);
    const verifier = new Webhook(secret);
    const ids = new Set<string>();
    requests.forEach((request, n) => {
      const [head, payload] = request.split('\r\n\r\n');
      const [start, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      expect(start).toBe('POST /webhooks/keycloak HTTP/1.1');
      expect(headers.host).toBe('127.0.0.1:4321');
      expect(Number(headers['content-length'])).toBe(Buffer.byteLength(payload)); // bytes, not characters
      expect(verifier.verify(payload, headers)).toEqual({ user: `user-${(1 + n * 2) % 5}`, eventId: `msg_t_${n}`, note: 'é ü' });
      ids.add(headers['webhook-id']);
    });
    expect(ids.size).toBe(1203);
  });

  it('adds histograms and reads percentiles from them in ms', () => {
    const whole: Histogram = new Map();
    addHistogram(whole, new Map([[1000, 98], [5000, 1]]));
    addHistogram(whole, new Map([[1000, 2], [20000, 1]]));
    expect(whole).toEqual(new Map([[1000, 100], [5000, 1], [20000, 1]]));
    expect(percentileMs(whole, 50)).toBe(1);
    expect(percentileMs(whole, 99)).toBe(5); // the 101st of 102 answers
    expect(percentileMs(whole, 100)).toBe(20);
    expect(percentileMs(new Map(), 99)).toBeUndefined();
  });

  it('takes wrk 4.1\'s coordinated-omission correction out of a histogram exactly', () => {
    // wrk's own correction (wg/wrk 4.1.0 src/stats.c stats_correct), applied to a known histogram
    const measured: Histogram = new Map([[900, 50], [1000, 40], [2500, 6], [4100, 3], [9000, 1]]);
    const run = { durationUs: 100_000, answered: 100, connections: 2 };
    const interval = Math.floor(run.durationUs / Math.floor(run.answered / run.connections)); // 2000 µs
    const corrected = new Map(measured);
    for (const [us, count] of [...measured].sort((a, b) => a[0] - b[0])) {
      for (let m = us - interval; us >= 2 * interval && m > interval; m -= interval) corrected.set(m, (corrected.get(m) ?? 0) + count);
    }
    expect([...corrected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(100); // the made-up answers
    expect(uncorrected(corrected, run)).toEqual(measured);
    expect(() => uncorrected(corrected, { ...run, answered: 101 })).toThrow('not the 101 it counted'); // same interval
    expect(() => uncorrected(measured, { ...run, durationUs: 50_000 })).toThrow('is not one wrk 4.1 corrected');
  });
});

/** wrk itself (installed by scripts/bootstrap.sh --bench, which npm test runs) against a stub bridge. */
describe('bench: wrk replaying pre-signed webhooks', () => {
  let dir: string;
  let server: Server;
  let url: string;
  let served = 0;
  let answer: (n: number) => { status: number; body: string; delayMs?: number } = () => ({ status: 200, body: '{"status":"provisioned"}' });
  beforeAll(async () => {
    checkWrk(); // a clear message when wrk is missing (npm test installs it)
    dir = mkdtempSync(join(tmpdir(), 'wrk-run-'));
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const { status, body, delayMs } = answer(++served);
        setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(body), delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  const signed = (count: number): string => {
    const file = join(dir, `webhooks-${count}.http`);
    writeSignedWebhooks(file, { url, secret: newWebhookSecret(), users: 10, first: 0, step: 1, count, prefix: `m${count}_`, body: (user, id) => JSON.stringify({ user, id }) });
    return file;
  };

  it('counts every answer once, with the latencies as measured (wrk\'s correction taken out)', async () => {
    served = 0;
    answer = (n) => ({ status: 200, body: '{"status":"provisioned"}', delayMs: n % 40 === 0 ? 25 : 0 }); // a slow tail wrk would pad
    const run = await runWrk(url, 2, 1, signed(40_000));
    expect(run.answered).toBeGreaterThan(100);
    expect(served - run.answered).toBeGreaterThanOrEqual(0);
    expect(served - run.answered).toBeLessThanOrEqual(2); // at most one in flight per connection when wrk stopped
    expect([...run.latencies.values()].reduce((a, b) => a + b, 0)).toBe(run.answered);
    expect(percentileMs(run.latencies, 50)).toBeLessThan(25);
    expect(run.seconds).toBeGreaterThanOrEqual(1);
  }, 30_000);

  it('refuses a run with a failed answer, with one other than 200 "provisioned", and one that ran out of webhooks', async () => {
    answer = (n) => (n % 50 === 0 ? { status: 500, body: '{}' } : { status: 200, body: '{"status":"provisioned"}' });
    await expect(runWrk(url, 2, 1, signed(40_000))).rejects.toThrow(/webhooks failed .* the figures would be wrong/);
    answer = (n) => ({ status: 200, body: n % 50 === 0 ? '{"status":"pending"}' : '{"status":"provisioned"}' });
    await expect(runWrk(url, 2, 1, signed(40_000))).rejects.toThrow(/were answered other than 200 "provisioned"/);
    answer = () => ({ status: 200, body: '{"status":"provisioned"}' });
    await expect(runWrk(url, 2, 1, signed(20))).rejects.toThrow('wrk sent all 20 pre-signed webhooks before its 1 s were up');
  }, 60_000);
});
