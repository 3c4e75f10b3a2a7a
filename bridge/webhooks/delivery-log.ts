/** A webhook's stored answer. */
export interface Delivery {
  status: number;
  body: unknown;
}

/**
 * The webhook ids seen and what was answered (deduplication of redelivered listener webhooks). Every implementation
 * passes test/store-contract/store-contract.ts.
 */
export interface DeliveryLog {
  /** The stored answer to a webhook id, if it was seen before. */
  delivery(webhookId: string): Promise<Delivery | undefined>;
  /** Records the answer to a webhook id; the first answer wins, and is returned. */
  rememberDelivery(webhookId: string, status: number, body: unknown, now?: number): Promise<Delivery>;
}
