import { z } from 'zod';

/** The login webhook the Keycloak plugin sends (README, "Webhook contract"). */
export const loginProvisioningRequestedSchema = z.strictObject({
  type: z.literal('login.provisioning_requested'),
  eventId: z.string().min(1).max(200),
  realm: z.string().min(1),
  idpAlias: z.string().min(1).nullable(),
  clientId: z.string().min(1),
  user: z.strictObject({
    id: z.string().min(1),
    username: z.string().min(1),
    subject: z.string().nullable(),
    email: z.string().nullable(),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    upn: z.string().nullable(),
    domain: z.string().nullable(),
    /** AD's realistic maximum is a few thousand groups with DNs up to a few hundred characters (README, "Webhook contract") */
    groups: z.array(z.string().max(2048)).max(5000),
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
