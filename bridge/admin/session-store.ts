import session, { SessionData } from 'express-session';

import { ExpiringEntries } from '../store/expiring-entries';

const PREFIX = 'session:';
/** a session without a cookie expiry (never the case with our settings) is kept this long */
const FALLBACK_MS = 3_600_000;

/**
 * express-session's store over the bridge's store, so a signed-in admin stays signed in whichever bridge behind the
 * URL answers next. Entries expire with the session's cookie (the idle timeout, renewed on every request).
 */
export class StoredSessions extends session.Store {
  constructor(private readonly entries: ExpiringEntries) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.entries
      .get(PREFIX + sid)
      .then((value) => callback(null, value ? (JSON.parse(value) as SessionData) : null))
      .catch((err: unknown) => callback(err));
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    this.entries
      .put(PREFIX + sid, JSON.stringify(data), expiryOf(data))
      .then(() => callback?.())
      .catch((err: unknown) => callback?.(err));
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.entries
      .take(PREFIX + sid)
      .then(() => callback?.())
      .catch((err: unknown) => callback?.(err));
  }

  override touch(sid: string, data: SessionData, callback?: () => void): void {
    this.set(sid, data, () => callback?.());
  }
}

function expiryOf(data: SessionData): number {
  const expires = data.cookie?.expires;
  return expires ? new Date(expires).getTime() : Date.now() + FALLBACK_MS;
}
