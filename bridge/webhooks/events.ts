import { z } from 'zod';

import { loginProvisioningRequestedSchema, text, userIdText } from './payload';

const base = { eventId: text().min(1).max(200), realm: text().min(1), time: z.iso.datetime({ offset: true }) };

/** The event listener's webhooks (README, "Webhook contract"). */
export const userDeletedSchema = z.strictObject({ type: z.literal('user.deleted'), ...base, userId: userIdText() });
export const userStateSchema = z.strictObject({ type: z.enum(['user.disabled', 'user.enabled', 'user.updated']), ...base, userId: userIdText(), username: text() });
export const rulesChangedSchema = z.strictObject({
  type: z.literal('rules.changed'),
  ...base,
  idpAlias: text().min(1),
  mapperId: text().min(1),
  operation: z.enum(['create', 'update', 'delete', 'action']),
});

export const webhookSchema = z.discriminatedUnion('type', [loginProvisioningRequestedSchema, userDeletedSchema, userStateSchema, rulesChangedSchema]);
export type WebhookBody = z.infer<typeof webhookSchema>;
