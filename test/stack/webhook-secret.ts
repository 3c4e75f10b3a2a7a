import { randomBytes } from 'node:crypto';

/** A fresh Standard Webhooks secret (whsec_ + base64 of 32 random bytes), made per run and never stored. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
