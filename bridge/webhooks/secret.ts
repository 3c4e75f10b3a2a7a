import { javaTrim } from '../text/java-trim';

const PREFIX = 'whsec_';
const MIN_BYTES = 24;
const MAX_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Why `value` is not a usable Standard Webhooks secret, or undefined when it is. The grammar, shared with the plugin's
 * WebhookSecret and tested on both sides against test/fixtures/contract/secrets.json: `whsec_` then canonical, padded
 * base64 (RFC 4648 section 4) of 24 to 64 bytes; surrounding whitespace (as Java's String.trim) is ignored. Never
 * echoes the value.
 */
export function webhookSecretProblem(value: string): string | undefined {
  const trimmed = javaTrim(value);
  if (trimmed === '') return 'is empty: set it to whsec_ followed by base64 of 24 to 64 random bytes';
  if (!trimmed.startsWith(PREFIX)) return "must start with 'whsec_' (Standard Webhooks format)";
  const encoded = trimmed.slice(PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return "is not padded base64 after 'whsec_' (RFC 4648 alphabet, length a multiple of 4)";
  const key = Buffer.from(encoded, 'base64');
  if (key.toString('base64') !== encoded) return "is not canonical base64 after 'whsec_' (padding in the middle, or extra bits in the last character)";
  if (key.length < MIN_BYTES || key.length > MAX_BYTES) return `must hold ${MIN_BYTES} to ${MAX_BYTES} bytes; it holds ${key.length}`;
  return undefined;
}

/** The secret as the signer and verifier take it (trimmed); call only after webhookSecretProblem found none. */
export function webhookSecret(value: string): string {
  return javaTrim(value);
}
