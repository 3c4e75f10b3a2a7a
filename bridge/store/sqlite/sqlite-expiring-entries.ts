import { ExpiringEntries } from '../expiring-entries';
import { SqliteDatabase } from './database';

/** Expiring entries on SQLite (contract: test/store-contract/). */
export class SqliteExpiringEntries implements ExpiringEntries {
  constructor(private readonly base: SqliteDatabase) {}

  async get(key: string, now = Date.now()): Promise<string | undefined> {
    return (this.base.sql('SELECT value FROM expiring WHERE key = ? AND expires_at > ?').pluck().get(key, now) as string | undefined) ?? undefined;
  }

  async put(key: string, value: string, expiresAt: number): Promise<void> {
    this.base.sql('INSERT INTO expiring (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at').run(key, value, expiresAt);
  }

  async take(key: string, now = Date.now()): Promise<string | undefined> {
    const value = (this.base.sql('DELETE FROM expiring WHERE key = ? RETURNING value, expires_at').get(key) as { value: string; expires_at: number } | undefined) ?? undefined;
    return value && value.expires_at > now ? value.value : undefined;
  }
}
