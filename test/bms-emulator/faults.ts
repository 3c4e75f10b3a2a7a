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
  /** only requests to exactly this path (query string aside) are affected, e.g. '/v2/hr/employees' for creates alone */
  path: z.string().startsWith('/v2').optional(),
  /** only requests with this HTTP method are affected, e.g. 'POST' */
  method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']).optional(),
  /**
   * The next N affected requests are carried out (a write is committed), then the answer is lost: replaced by
   * `status` (a 5xx envelope), or with `hang` never sent at all (the client's timeout must cope). What a client sees
   * when BMS commits a create and the connection or a proxy fails on the way back.
   */
  commitThenFail: z
    .strictObject({ count: z.number().int().min(1), status: z.number().int().min(500).max(599).default(500), hang: z.boolean().default(false) })
    .optional(),
});

export type Faults = z.infer<typeof faultsSchema>;
/** What a test passes: every field optional, defaults filled in (e.g. commitThenFail.status 500). */
export type FaultsInput = z.input<typeof faultsSchema>;

export const noFaults = (): Faults => faultsSchema.parse({});
