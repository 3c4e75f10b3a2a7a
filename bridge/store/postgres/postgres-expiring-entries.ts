import { ExpiringEntries } from '../expiring-entries';
import { PostgresDatabase } from './database';

/** Expiring entries on PostgreSQL, shared by every bridge on the store (contract: test/store-contract/). */
export class PostgresExpiringEntries implements ExpiringEntries {
  constructor(private readonly db: PostgresDatabase) {}

  async get(key: string, now = Date.now()): Promise<string | undefined> {
    const rows = await this.db.query<{ value: string }>('SELECT value FROM bridge_expiring WHERE key = $1 AND expires_at > $2', [key, now]);
    return rows[0]?.value;
  }

  async put(key: string, value: string, expiresAt: number): Promise<void> {
    await this.db.query('INSERT INTO bridge_expiring (key, value, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at', [key, value, expiresAt]);
  }

  async take(key: string, now = Date.now()): Promise<string | undefined> {
    const rows = await this.db.query<{ value: string; expires_at: string }>('DELETE FROM bridge_expiring WHERE key = $1 RETURNING value, expires_at', [key]);
    return rows[0] && Number(rows[0].expires_at) > now ? rows[0].value : undefined;
  }
}
