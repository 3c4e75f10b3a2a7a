import { z } from 'zod';

import { Logger } from '../log/logger';
import { BmsClientConfig } from './config';
import { describeCause } from '../errors/operation-error';
import { backoffDelayMs } from '../retry/backoff';
import { BmsError } from './errors';
import { CallBudget, CallPriority } from './rate-limiter';
import { camelKeys, envelopeOf } from './schemas';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type QueryValue = string | number | boolean | (string | number)[] | undefined;

export interface Call {
  method: Method;
  /** the concrete path, e.g. /v2/hr/employees/1042 */
  path: string;
  /** the endpoint as BMS counts it for the rate limit, e.g. "GET /v2/hr/employees/{id}" */
  endpoint: string;
  query?: Record<string, QueryValue>;
  form?: Record<string, string | undefined>;
  json?: unknown;
  contentType?: string;
  /** false only for the token endpoints */
  auth: boolean;
  /** live logins > background work (the sweep); only orders callers waiting on the same endpoint */
  priority?: CallPriority;
  /**
   * false for a call BMS may have carried out even when the answer was lost (a create): it is retried only after a
   * 429 (refused before any work). The caller searches before trying again (README, "What one job does").
   */
  idempotent?: boolean;
}

export interface Answer<T> {
  result: T;
  totalRecords?: number;
}

/** One HTTP exchange with BMS as it ended: what the metrics count and what readiness reports (a probe never calls BMS). */
export interface Exchange {
  /** as BMS counts it for the rate limit, e.g. "GET /v2/hr/employees/{id}" */
  endpoint: string;
  /** the HTTP status, or 'timeout' / 'unreachable' when no answer came */
  status: string;
  /** epoch ms */
  at: number;
  /** set when BMS itself looks unwell: no answer, a 5xx, or the API user's credentials refused */
  problem?: string;
}

export interface TokenProvider {
  get(): Promise<string>;
  invalidate(token: string): void;
}

/**
 * One HTTP exchange with BMS, done properly: the per-endpoint rate limit, a timeout, retries with exponential
 * backoff and jitter on transport errors, timeouts, 5xx and 429 (honouring Retry-After), one re-authentication
 * on 401, and the answer checked against the endpoint's schema. Validation errors are never retried.
 */
export class BmsTransport {
  private tokens?: TokenProvider;
  private latest?: Exchange;
  private readonly observers: ((exchange: Exchange) => void)[] = [];

  constructor(
    private readonly config: BmsClientConfig & { baseUrl: string },
    private readonly limiter: CallBudget,
    private readonly log: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  useTokens(tokens: TokenProvider): void {
    this.tokens = tokens;
  }

  /** The latest exchange with BMS, if any (for readiness). */
  get lastExchange(): Exchange | undefined {
    return this.latest;
  }

  /** Calls `observer` after every exchange (the metrics). */
  onExchange(observer: (exchange: Exchange) => void): void {
    this.observers.push(observer);
  }

  private ended(call: Call, status: string, problem?: string): void {
    this.latest = { endpoint: call.endpoint, status, at: Date.now(), problem };
    for (const observer of this.observers) observer(this.latest);
  }

  async call<T extends z.ZodType>(call: Call, result: T): Promise<Answer<z.output<T>>> {
    const { attempts } = this.config.retry;
    let reauthenticated = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(call, result);
      } catch (err) {
        if (!(err instanceof BmsError)) throw err;
        if (err.details.status === 401 && err.details.endpoint === call.endpoint && call.auth && !reauthenticated) {
          reauthenticated = true;
          this.log.info({ endpoint: call.endpoint }, 'BMS refused the access token; authenticating again');
          attempt--;
          continue;
        }
        if (!err.retryable || attempt >= attempts) throw err;
        if (call.idempotent === false && err.kind !== 'rate-limited') throw err;
        const delayMs = this.delayAfter(attempt, err);
        if (delayMs === undefined) throw err;
        this.log.warn({ endpoint: call.endpoint, attempt, of: attempts, kind: err.kind, status: err.details.status, delayMs }, `BMS call failed (${err.kind}); retrying`);
        await this.sleep(delayMs);
      }
    }
  }

  /** The shared backoff (retry/backoff.ts), never before the server's Retry-After; undefined when that is longer than allowed. */
  private delayAfter(failures: number, err: BmsError): number | undefined {
    const { retryAfterMs } = err.details;
    if (retryAfterMs !== undefined && retryAfterMs > this.config.retry.maxRetryAfterMs) return undefined;
    return backoffDelayMs(failures, this.config.retry, retryAfterMs);
  }

  private async once<T extends z.ZodType>(call: Call, result: T): Promise<Answer<z.output<T>>> {
    await this.limiter.acquire(call.endpoint, call.priority ?? 0);
    const token = call.auth ? await this.requireTokens().get() : undefined;
    let res: Response;
    try {
      res = await fetch(this.url(call), { method: call.method, headers: this.headers(call, token), body: this.body(call), signal: AbortSignal.timeout(this.config.timeoutMs) });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      const what = timedOut ? `no answer within ${this.config.timeoutMs} ms from BMS at ${this.config.baseUrl}` : `cannot reach BMS at ${this.config.baseUrl}: ${describeCause(err)}`;
      const failure = new BmsError(timedOut ? 'timeout' : 'transport', `${call.endpoint}: ${what}`, { endpoint: call.endpoint });
      this.ended(call, timedOut ? 'timeout' : 'unreachable', failure.message);
      throw failure;
    }
    const text = await res.text().catch(() => '');
    if (res.status === 401 && token) this.tokens?.invalidate(token);
    try {
      const answer = this.read(call, res, text, result);
      this.ended(call, String(res.status));
      return answer;
    } catch (err) {
      // a refusal of data is BMS working; a 5xx, or the token endpoint refusing the API user, is BMS (or us) unwell
      const unwell = res.status >= 500 || (!call.auth && err instanceof BmsError && (err.kind === 'auth' || err.kind === 'rejected'));
      this.ended(call, String(res.status), unwell ? (err as Error).message : undefined);
      throw err;
    }
  }

  private read<T extends z.ZodType>(call: Call, res: Response, text: string, result: T): Answer<z.output<T>> {
    const { status } = res;
    const where = { endpoint: call.endpoint, status };
    if (status === 429) {
      const retryAfterMs = retryAfter(res.headers.get('retry-after'));
      // every caller of the endpoint waits, in this bridge and (with a shared budget) in every other
      void this.limiter.hold(call.endpoint, retryAfterMs ?? 1000).catch(() => undefined);
      throw new BmsError('rate-limited', `${call.endpoint}: BMS rate limit reached (429)${retryAfterMs === undefined ? '' : `, retry after ${Math.round(retryAfterMs / 1000)} s`}`, { ...where, retryAfterMs: retryAfterMs ?? 1000 });
    }
    if (status >= 500) throw new BmsError('server', `${call.endpoint}: BMS answered ${status}${brief(text)}`, where);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new BmsError(status === 401 ? 'auth' : 'unexpected', `${call.endpoint}: BMS answered ${status} with a body that is not JSON${brief(text)}`, where);
    }
    const parsed = envelopeOf(result).safeParse(camelKeys(json));
    if (!parsed.success) {
      throw new BmsError('unexpected', `${call.endpoint}: BMS answered ${status} with an unexpected body (${z.prettifyError(parsed.error).replace(/\n/g, ' ')})${brief(text)}`, where);
    }
    const envelope = parsed.data;
    if (status >= 400 || !envelope.success) {
      const subErrors = envelope.error?.subErrors ?? [];
      const message = `${call.endpoint}: BMS refused the request (${status}): ${envelope.error?.message ?? 'no message'}${subErrors.length ? ` [${subErrors.join('; ')}]` : ''}`;
      throw new BmsError(status === 401 ? 'auth' : status === 404 ? 'not-found' : 'rejected', message, { ...where, subErrors });
    }
    if (envelope.result === undefined || envelope.result === null) {
      throw new BmsError('unexpected', `${call.endpoint}: BMS answered success without a result${brief(text)}`, where);
    }
    return { result: envelope.result as z.output<T>, totalRecords: envelope.totalRecords ?? undefined };
  }

  private requireTokens(): TokenProvider {
    if (!this.tokens) throw new Error('BmsTransport has no token provider');
    return this.tokens;
  }

  private url(call: Call): string {
    const url = new URL(call.path, `${this.config.baseUrl}/`);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
    }
    return url.toString();
  }

  private headers(call: Call, token: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (call.form) headers['content-type'] = 'application/x-www-form-urlencoded';
    else if (call.json !== undefined) headers['content-type'] = call.contentType ?? 'application/json';
    return headers;
  }

  private body(call: Call): string | undefined {
    if (call.form) return new URLSearchParams(Object.entries(call.form).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    return call.json === undefined ? undefined : JSON.stringify(call.json);
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The start of a body for an error message; token endpoints are never quoted (they hold secrets). */
function brief(text: string): string {
  if (!text || /accessToken|refreshToken/i.test(text)) return '';
  return `: ${text.slice(0, 200).replace(/\s+/g, ' ')}`;
}
