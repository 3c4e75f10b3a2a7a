import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export type Verified = { ok: true; id: string } | { ok: false; error: string };

const HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/** Checks a Standard Webhooks signature over the exact bytes received (±5 minutes), without parsing the body. */
export function verifyWebhook(verifier: Webhook, raw: Buffer, headers: Record<string, string | string[] | undefined>): Verified {
  const missing = HEADERS.filter((h) => typeof headers[h] !== 'string' || !headers[h]);
  if (missing.length) return { ok: false, error: `missing header${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (Standard Webhooks)` };
  const plain = Object.fromEntries(HEADERS.map((h) => [h, String(headers[h])]));
  try {
    verifier.verify(raw.toString('utf8'), plain, { jsonParse: false });
    return { ok: true, id: plain['webhook-id'] };
  } catch (err) {
    if (err instanceof WebhookVerificationError) return { ok: false, error: describe(err.message) };
    throw err;
  }
}

function describe(message: string): string {
  if (/too old/i.test(message)) return 'webhook-timestamp is more than 5 minutes old: a stale or replayed delivery, or a clock out of sync';
  if (/too new/i.test(message)) return 'webhook-timestamp is more than 5 minutes in the future: check the sender\'s clock';
  if (/invalid signature headers|timestamp/i.test(message)) return `bad Standard Webhooks headers: ${message}`;
  return 'the signature does not match the body: wrong secret, or the body was changed on the way';
}
