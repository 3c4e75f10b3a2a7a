import { z } from 'zod';

/**
 * A string of a webhook. A NUL character (U+0000) or half of a surrogate pair (U+D800–U+DFFF alone; JSON's \uD800 can
 * send one) is refused: no directory value holds one, and PostgreSQL cannot keep either (jsonb refuses both, text
 * refuses NUL and turns a lone surrogate into U+FFFD), so the same webhook would work on SQLite and fail on PostgreSQL.
 */
export const text = (): z.ZodString =>
  z.string().regex(/^[^\u0000\p{Cs}]*$/u, { message: 'holds a NUL character (U+0000) or an unpaired surrogate (U+D800–U+DFFF), which no directory value has and the PostgreSQL store cannot keep' });

/** A Keycloak user id: a UUID (36 characters) in practice; the cap keeps an id inside PostgreSQL's index entry limit. */
export const userIdText = (): z.ZodString => text().min(1).max(255);

/** The login webhook the Keycloak plugin sends (README, "Webhook contract"). */
export const loginProvisioningRequestedSchema = z.strictObject({
  type: z.literal('login.provisioning_requested'),
  eventId: text().min(1).max(200),
  realm: text().min(1),
  idpAlias: text().min(1).nullable(),
  clientId: text().min(1),
  user: z.strictObject({
    id: userIdText(),
    username: text().min(1),
    subject: text().nullable(),
    email: text().nullable(),
    firstName: text().nullable(),
    lastName: text().nullable(),
    upn: text().nullable(),
    domain: text().nullable(),
    /** AD's realistic maximum is a few thousand groups with DNs up to a few hundred characters (README, "Webhook contract") */
    groups: z.array(text().max(2048)).max(5000),
  }),
  firstLogin: z.boolean(),
  time: z.iso.datetime({ offset: true }),
});

export type LoginProvisioningRequested = z.infer<typeof loginProvisioningRequestedSchema>;

/**
 * What the bridge answers to a login webhook; the plugin treats anything else as a failure. Readers ignore keys they do
 * not know, so a newer bridge can add one (test/fixtures/contract/answers.json, read by both sides).
 */
export const bridgeAnswerSchema = z.looseObject({
  status: z.enum(['provisioned', 'pending', 'denied']),
  message: z.string().max(500).optional(),
  employeeId: z.number().int().optional(),
});
export type BridgeAnswer = z.infer<typeof bridgeAnswerSchema>;
