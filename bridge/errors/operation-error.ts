/** The systems the bridge talks to; every failure it records names one of them. */
export type System = 'Keycloak' | 'BMS' | 'store';

/**
 * A call to another system failed: which system, which operation (with its subject, e.g. "read of user 42 in realm
 * 'broker'"), where (a URL or the store's location), and the cause in words an admin can act on ("connection
 * refused", "HTTP 403: unauthorized_client"), never a bare "fetch failed". The original error is kept as `cause`.
 */
export class OperationError extends Error {
  override readonly name = 'OperationError';
  constructor(
    readonly system: System,
    readonly operation: string,
    readonly where: string | undefined,
    cause: unknown,
    /** what to check, appended after the cause */
    hint?: string,
  ) {
    super(`${system} ${operation}${where ? ` at ${where}` : ''}: ${describeCause(cause)}${hint ? `; ${hint}` : ''}`, { cause });
  }
}

/** Node's and undici's error codes, in words; the code follows in parentheses so it can still be searched for. */
const CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed for now',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the other side',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stopped arriving',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
};

/**
 * What went wrong, in words: an HTTP status with the server's message, a network error code in words (looked for
 * through the `cause` chain: fetch's own message is only "fetch failed"), a timeout, else the innermost message.
 */
export function describeCause(err: unknown): string {
  if (err instanceof OperationError) return err.message; // already says which system, what and where
  const status = (err as { response?: { status?: unknown } } | undefined)?.response?.status;
  if (typeof status === 'number') {
    const message = (err as Error).message;
    return `HTTP ${status}${message && !/^(Network response was not OK|Unable to determine error message)\.?$/.test(message) ? `: ${message}` : ''}`;
  }
  const chain: unknown[] = [];
  for (let e: unknown = err; e && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  if (chain.some((e) => (e as Error).name === 'TimeoutError')) return 'no answer in time (timeout)';
  for (const e of chain) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return CODES[code] ? `${CODES[code]} (${code})` : code;
  }
  const innermost = chain[chain.length - 1];
  // not instanceof Error: a native module's errors may come from another realm
  const message = typeof (innermost as { message?: unknown })?.message === 'string' ? (innermost as Error).message : String(innermost);
  return message === 'fetch failed' ? 'the request failed before any answer (fetch failed)' : message;
}
