/** Why a BMS call failed. `retryable` tells the caller (and the job queue) whether trying later can help. */
export type BmsErrorKind =
  | 'transport' // connection refused, reset, DNS
  | 'timeout' // no answer within the client's timeout
  | 'server' // 5xx
  | 'rate-limited' // 429 that could not be waited out
  | 'auth' // credentials refused
  | 'rejected' // BMS answered success:false or 4xx: validation, unknown id, duplicate user name
  | 'not-found'
  | 'unexpected' // an answer that is not what the endpoint is documented to return
  | 'lookup'; // a name that resolves to no BMS value, or to several

export class BmsError extends Error {
  constructor(
    readonly kind: BmsErrorKind,
    message: string,
    readonly details: { endpoint?: string; status?: number; subErrors?: string[]; retryAfterMs?: number; candidates?: string[] } = {},
  ) {
    super(message);
    this.name = 'BmsError';
  }

  get retryable(): boolean {
    return this.kind === 'transport' || this.kind === 'timeout' || this.kind === 'server' || this.kind === 'rate-limited';
  }
}
