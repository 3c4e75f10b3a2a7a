import { Delivery, DeliveryLog } from '../../webhooks/delivery-log';
import { SqliteDatabase } from './database';

/** Webhook deliveries on SQLite: the first answer to an id wins (contract: test/store-contract/). */
export class SqliteDeliveryLog implements DeliveryLog {
  constructor(private readonly base: SqliteDatabase) {}

  async delivery(webhookId: string): Promise<Delivery | undefined> {
    const row = this.base.sql('SELECT status, body FROM deliveries WHERE webhook_id = ?').get(webhookId) as { status: number; body: string } | undefined;
    return row && { status: row.status, body: JSON.parse(row.body) as unknown };
  }

  async rememberDelivery(webhookId: string, status: number, body: unknown, now = Date.now()): Promise<Delivery> {
    this.base.sql('INSERT OR IGNORE INTO deliveries (webhook_id, status, body, received_at) VALUES (?, ?, ?, ?)').run(webhookId, status, JSON.stringify(body), now);
    return (await this.delivery(webhookId)) ?? { status, body };
  }
}
