import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Webhook } from 'standardwebhooks';

import { addHistogram, Histogram, percentileMs, writeSignedWebhooks } from '../../bench/wrk-load';
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
});
