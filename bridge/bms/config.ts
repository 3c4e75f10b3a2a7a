import { z } from 'zod';

/** Known BMS API hosts by region (Kaseya's V2 documentation). */
export const BMS_REGIONS = {
  us: 'https://api.bms.kaseya.com',
  emea: 'https://api.bmsemea.kaseya.com',
  apac: 'https://api.bmsapac.kaseya.com',
} as const;

/** Where the employee writes go. The public V2 API documents none; see README, "BMS write contract". */
export const writeContractSchema = z.strictObject({
  create: z.string().default('POST /v2/hr/employees'),
  get: z.string().default('GET /v2/hr/employees/{id}'),
  update: z.string().default('PATCH /v2/hr/employees/{id}'),
  deactivate: z.string().default('POST /v2/hr/employees/{id}/deactivate'),
  reactivate: z.string().default('POST /v2/hr/employees/{id}/reactivate'),
});

export const bmsClientConfigSchema = z.strictObject({
  /** API base URL; or give region */
  baseUrl: z.url().optional(),
  region: z.enum(['us', 'emea', 'apac']).optional(),
  /** the BMS company name shown under My Settings */
  tenant: z.string().min(1),
  userName: z.string().min(1),
  password: z.string().min(1),
  /** for API users that need one; a fixed code only works where BMS accepts it */
  mfaCode: z.string().optional(),
  timeoutMs: z.number().int().positive().default(10_000),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(20).default(4),
      baseDelayMs: z.number().int().min(0).default(250),
      maxDelayMs: z.number().int().min(0).default(30_000),
      /** a 429 asking to wait longer than this fails (retryable) instead of holding the caller */
      maxRetryAfterMs: z.number().int().min(0).default(60_000),
    })
    .prefault({}),
  rateLimit: z.strictObject({ perWindow: z.number().int().min(1).default(1500), windowMs: z.number().int().positive().default(3_600_000) }).prefault({}),
  /** refresh the access token this long before BMS says it expires */
  tokenRefreshMarginMs: z.number().int().min(0).default(60_000),
  lookupTtlMs: z.number().int().min(0).default(10 * 60_000),
  /** the generic lookup table that lists employment types */
  employmentTypeTable: z.string().min(1).default('EmploymentType'),
  searchPageSize: z.number().int().min(1).max(500).default(100),
  writeContract: writeContractSchema.prefault({}),
}).refine((c) => c.baseUrl || c.region, { message: 'set baseUrl, or region (us, emea or apac)', path: ['baseUrl'] });

export type BmsClientConfigInput = z.input<typeof bmsClientConfigSchema>;
export type BmsClientConfig = z.output<typeof bmsClientConfigSchema>;
export type WriteContract = z.output<typeof writeContractSchema>;

/** Parses and checks the settings; every problem is listed in one message. */
export function parseBmsClientConfig(input: BmsClientConfigInput): BmsClientConfig & { baseUrl: string } {
  const parsed = bmsClientConfigSchema.safeParse(input);
  if (!parsed.success) throw new Error(`Invalid BMS client settings:\n${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  const baseUrl = (config.baseUrl ?? BMS_REGIONS[config.region ?? 'us']).replace(/\/+$/, '');
  for (const [name, spec] of Object.entries(config.writeContract)) {
    if (!/^(GET|POST|PUT|PATCH|DELETE) \/\S+$/.test(spec)) throw new Error(`Invalid BMS client settings: writeContract.${name} must look like "POST /v2/path", got "${spec}"`);
  }
  return { ...config, baseUrl };
}
