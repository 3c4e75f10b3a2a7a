import { StoreConfig } from '../store/open-store';
import { Store } from '../store/store';
import { OperationError } from './operation-error';

/** Where the store is, for messages: the SQLite file, or PostgreSQL's host, port and database (never the password). */
export function storeLocation(config: StoreConfig): string {
  if (!config.url) return `SQLite ${config.path}`;
  try {
    const url = new URL(config.url);
    return `PostgreSQL ${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'PostgreSQL (BRIDGE_STORE_URL)';
  }
}

/**
 * The store, with every failure of the database itself named: "store jobs.claim at PostgreSQL db:5432/bms_bridge:
 * connection refused (ECONNREFUSED)" instead of pg's or SQLite's bare message. Errors of the store's own classes
 * (LeaseLostError, LinkConflictError: decisions callers act on) pass unchanged. Works for any port the store has,
 * including ones added later.
 */
export function namedStore(store: Store, location: string): Store {
  return wrap(store, '', location);
}

function wrap<T extends object>(target: T, path: string, location: string): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof key === 'symbol' || value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
      if (!wrapped.has(key)) {
        const name = path ? `${path}.${key}` : key;
        wrapped.set(key, typeof value === 'function' ? named(value as (...args: unknown[]) => unknown, object, name, location) : wrap(value, name, location));
      }
      return wrapped.get(key);
    },
  });
}

function named(fn: (...args: unknown[]) => unknown, self: object, operation: string, location: string): (...args: unknown[]) => unknown {
  const rename = (err: unknown): never => {
    throw isDatabaseFailure(err) ? new OperationError('store', operation, location, err) : err;
  };
  return (...args) => {
    try {
      const result = fn.apply(self, args);
      return result instanceof Promise ? result.catch(rename) : result;
    } catch (err) {
      return rename(err);
    }
  };
}

/** Names of errors that are failures, not decisions: plain, the drivers' own (pg names its errors 'error'), and system errors. */
const GENERIC = new Set(['Error', 'TypeError', 'RangeError', 'AggregateError', 'SqliteError', 'DatabaseError', 'error']);

/**
 * A failure of the database or the connection (plain, pg or SQLite errors), not a decision of the store's own classes
 * (LeaseLostError, LinkConflictError: named for what they mean). Judged by name and code, not instanceof: a native
 * driver's errors may come from another realm.
 */
function isDatabaseFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { name, code } = err as { name?: unknown; code?: unknown };
  return typeof code === 'string' || (typeof name === 'string' && GENERIC.has(name));
}
