import { Delivery, DeliveryLog } from '../../webhooks/delivery-log';
import { PostgresDatabase } from './database';

/** Webhook deliveries on PostgreSQL: the first answer to an id wins, whichever bridge received it. */
export class PostgresDeliveryLog implements DeliveryLog {
  constructor(private readonly db: PostgresDatabase) {}

  async delivery(webhookId: string): Promise<Delivery | undefined> {
    const rows = await this.db.query<{ status: number; body: unknown }>('SELECT status, body FROM bridge_deliveries WHERE webhook_id = $1', [webhookId]);
    return rows[0] && { status: rows[0].status, body: rows[0].body };
  }

  async rememberDelivery(webhookId: string, status: number, body: unknown, now = Date.now()): Promise<Delivery> {
    await this.db.query('INSERT INTO bridge_deliveries (webhook_id, status, body, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (webhook_id) DO NOTHING', [webhookId, status, JSON.stringify(body), now]);
    return (await this.delivery(webhookId)) ?? { status, body };
  }
}
