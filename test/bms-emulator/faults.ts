import { z } from 'zod';

/** Faults a test can switch on, over HTTP (POST /_emulator/faults) or in process. */
export const faultsSchema = z.strictObject({
  /** added to every /v2 answer */
  latencyMs: z.number().int().min(0).max(600_000).default(0),
  /** share of /v2 requests answered with 500 */
  errorRate: z.number().min(0).max(1).default(0),
  /** the next N /v2 requests are answered with this status (e.g. 503) */
  failNext: z.strictObject({ count: z.number().int().min(1), status: z.number().int().min(500).max(599) }).optional(),
  /** /v2 requests are accepted and never answered */
  hang: z.boolean().default(false),
  /** /v2 connections are cut without an answer, as when the server is down */
  down: z.boolean().default(false),
  /** only requests whose path starts with this are affected (default: all of /v2) */
  pathPrefix: z.string().startsWith('/v2').optional(),
});

export type Faults = z.infer<typeof faultsSchema>;

export const noFaults = (): Faults => faultsSchema.parse({});
