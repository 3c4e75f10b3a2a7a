import { existsSync, readFileSync } from 'node:fs';

import { z } from 'zod';

import { bmsClientConfigSchema } from '../bms/config';
import { webhookSecret, webhookSecretProblem } from '../webhooks/secret';

/** The grammar the plugin checks too (webhooks/secret.ts; test/fixtures/contract/secrets.json); surrounding spaces are dropped. */
const secret = z
  .string()
  .superRefine((value, ctx) => {
    const problem = webhookSecretProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `must be a Standard Webhooks secret (whsec_ then base64 of 24 to 64 bytes): it ${problem}` });
  })
  .transform(webhookSecret);

/** Every setting of the bridge, with its default. README, "Bridge configuration", lists them with their variables. */
export const bridgeConfigSchema = z.strictObject({
  server: z.strictObject({ host: z.string().default('127.0.0.1'), port: z.number().int().min(0).max(65535).default(8090) }).prefault({}),
  webhook: z
    .strictObject({
      secret,
      /** a login of a user in 1,500 groups with 200-character DNs is about 330 KB; 12 MiB holds the schema's own maximum (5,000 × 2,048) */
      maxBodyBytes: z.number().int().min(1024).max(33_554_432).default(12_582_912),
      /** the bridge answers a login webhook within this budget; keep it below the plugin's read timeout */
      answerBudgetMs: z.number().int().min(100).max(30_000).default(2_500),
    }),
  keycloak: z.strictObject({
    baseUrl: z.url(),
    realm: z.string().min(1).default('broker'),
    idpAlias: z.string().min(1).default('passly'),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    rulesTtlMs: z.number().int().min(1000).default(300_000),
    /** /readyz checks the realm's wiring (bridge setup --check) at most this often, ms; 0: never */
    wiringCheckMs: z.number().int().min(0).default(300_000),
  }),
  bms: bmsClientConfigSchema,
  store: z
    .strictObject({
      path: z.string().min(1).default('.data/bridge.sqlite'),
      /** a PostgreSQL store shared by several bridges; unset: the SQLite file at `path` */
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres://user:password@host:port/database URL (or unset, for the embedded SQLite store)')
        .refine(parsesAsUrl, 'is not a URL that can be read: percent-encode special characters in the user name and password (@ as %40, / as %2F, # as %23, ? as %3F, : as %3A)')
        .optional(),
      /** connections each bridge keeps to PostgreSQL */
      poolSize: z.number().int().min(2).max(100).default(10),
    })
    .prefault({}),
  jobs: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(100).default(8),
      baseDelayMs: z.number().int().min(10).default(2_000),
      maxDelayMs: z.number().int().min(100).default(15 * 60_000),
      /** a running job's lease: renewed every third of it; a bridge that dies leaves its jobs to others after at most this */
      leaseMs: z.number().int().min(1_000).max(600_000).default(30_000),
    })
    .prefault({}),
  reconcile: z
    .strictObject({
      intervalMs: z.number().int().min(0).default(600_000),
      /** users read from Keycloak per admin API call */
      pageSize: z.number().int().min(10).max(1000).default(200),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** webhook ids remembered for deduplication; longer than the 5-minute signature tolerance */
      deliveriesMs: z.number().int().min(360_000).default(3_600_000),
      /** finished jobs (with the user's facts and errors) deleted after this long */
      jobsMs: z.number().int().min(60_000).default(30 * 24 * 3_600_000),
      /** the audit trail (each sign-in's decision, each BMS write, admin actions) deleted after this long */
      auditMs: z.number().int().min(24 * 3_600_000).default(400 * 24 * 3_600_000),
    })
    .prefault({}),
  admin: z
    .strictObject({
      token: z.string().min(24, 'must be at least 24 characters').optional(),
      /** the bridge's URL as browsers reach it; with sessionSecret, turns the admin pages on */
      publicUrl: z
        .url()
        .regex(/^https?:\/\/[^/]+$/, 'must be the scheme, host and port only, without a path or a trailing slash, e.g. https://bridge.example.com')
        .optional(),
      /** signs the admin session cookie; the same on every bridge behind one URL */
      sessionSecret: z.string().min(32, 'must be at least 32 characters').optional(),
      /** the realm role the admin pages require */
      role: z.string().min(1).default('bms-bridge-admin'),
      /** the admin pages' SAML client id in the broker realm; default: <publicUrl>/admin */
      entityId: z.string().min(1).optional(),
      idleMs: z.number().int().min(60_000).default(30 * 60_000),
      absoluteMs: z.number().int().min(60_000).default(8 * 3_600_000),
      clockSkewMs: z.number().int().min(0).max(300_000).default(5_000),
      /** a signed-in admin's role is checked in Keycloak again this often */
      roleRecheckMs: z.number().int().min(1_000).max(3_600_000).default(300_000),
    })
    .refine((a) => Boolean(a.publicUrl) === Boolean(a.sessionSecret), {
      message: 'the admin pages need both BRIDGE_PUBLIC_URL and BRIDGE_ADMIN_SESSION_SECRET (or neither, to turn them off)',
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
});

export type BridgeConfig = z.output<typeof bridgeConfigSchema>;

/** Environment variable → setting path. Numbers are converted; everything else is taken as text. */
export const ENVIRONMENT: Record<string, string> = {
  BRIDGE_HOST: 'server.host',
  BRIDGE_PORT: 'server.port',
  BRIDGE_WEBHOOK_SECRET: 'webhook.secret',
  BRIDGE_WEBHOOK_MAX_BODY_BYTES: 'webhook.maxBodyBytes',
  BRIDGE_ANSWER_BUDGET_MS: 'webhook.answerBudgetMs',
  KEYCLOAK_URL: 'keycloak.baseUrl',
  KEYCLOAK_REALM: 'keycloak.realm',
  KEYCLOAK_IDP_ALIAS: 'keycloak.idpAlias',
  KEYCLOAK_CLIENT_ID: 'keycloak.clientId',
  KEYCLOAK_CLIENT_SECRET: 'keycloak.clientSecret',
  KEYCLOAK_RULES_TTL_MS: 'keycloak.rulesTtlMs',
  KEYCLOAK_WIRING_CHECK_MS: 'keycloak.wiringCheckMs',
  BMS_REGION: 'bms.region',
  BMS_BASE_URL: 'bms.baseUrl',
  BMS_TENANT: 'bms.tenant',
  BMS_USERNAME: 'bms.userName',
  BMS_PASSWORD: 'bms.password',
  BMS_MFA_CODE: 'bms.mfaCode',
  BMS_TIMEOUT_MS: 'bms.timeoutMs',
  BMS_RATE_LIMIT_PER_HOUR: 'bms.rateLimit.perWindow',
  BRIDGE_DB_PATH: 'store.path',
  BRIDGE_STORE_URL: 'store.url',
  BRIDGE_STORE_POOL_SIZE: 'store.poolSize',
  JOBS_MAX_ATTEMPTS: 'jobs.maxAttempts',
  JOBS_BASE_DELAY_MS: 'jobs.baseDelayMs',
  JOBS_MAX_DELAY_MS: 'jobs.maxDelayMs',
  JOBS_LEASE_MS: 'jobs.leaseMs',
  RECONCILE_INTERVAL_MS: 'reconcile.intervalMs',
  RECONCILE_PAGE_SIZE: 'reconcile.pageSize',
  RETENTION_DELIVERIES_MS: 'retention.deliveriesMs',
  RETENTION_JOBS_MS: 'retention.jobsMs',
  RETENTION_AUDIT_MS: 'retention.auditMs',
  BRIDGE_ADMIN_TOKEN: 'admin.token',
  BRIDGE_PUBLIC_URL: 'admin.publicUrl',
  BRIDGE_ADMIN_SESSION_SECRET: 'admin.sessionSecret',
  BRIDGE_ADMIN_ROLE: 'admin.role',
  BRIDGE_ADMIN_ENTITY_ID: 'admin.entityId',
  BRIDGE_ADMIN_IDLE_MS: 'admin.idleMs',
  BRIDGE_ADMIN_ABSOLUTE_MS: 'admin.absoluteMs',
  BRIDGE_ADMIN_CLOCK_SKEW_MS: 'admin.clockSkewMs',
  BRIDGE_ADMIN_ROLE_RECHECK_MS: 'admin.roleRecheckMs',
  LOG_LEVEL: 'log.level',
};

const NUMERIC = /(port|Bytes|Ms|perWindow|maxAttempts|pageSize|poolSize)$/;

/** Settings that moved: a clear error instead of a silently ignored variable. */
const MOVED: Record<string, string> = {
  PROVISIONING_UPDATE_POLICY:
    "moved to Keycloak: the identity provider's 'BMS employee defaults' mapper has 'Keep in sync with the directory' (README, \"Update and rehire policies\"); remove the variable",
};

/**
 * The configuration: the JSON file named by BRIDGE_CONFIG_FILE (optional), then environment variables over it.
 * Every problem is listed in one message that names the setting and its variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const problems: string[] = [];
  let raw: Record<string, unknown> = {};
  const file = env.BRIDGE_CONFIG_FILE;
  if (file) {
    if (!existsSync(file)) problems.push(`BRIDGE_CONFIG_FILE=${file}: no such file`);
    else {
      try {
        raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        problems.push(`BRIDGE_CONFIG_FILE=${file}: not valid JSON (${(err as Error).message})`);
      }
    }
  }
  for (const [name, why] of Object.entries(MOVED)) if (env[name] !== undefined && env[name] !== '') problems.push(`${name}: ${why}`);
  for (const [name, path] of Object.entries(ENVIRONMENT)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const numeric = NUMERIC.test(path);
    if (numeric && !/^\d+$/.test(value.trim())) {
      problems.push(`${name}=${value}: must be a whole number (${path})`);
      continue;
    }
    set(raw, path, numeric ? Number(value) : value);
  }
  // a section with required values, when absent, is parsed empty so each missing value is named on its own
  for (const section of ['webhook', 'keycloak', 'bms']) raw[section] ??= {};
  const parsed = bridgeConfigSchema.safeParse(raw);
  if (parsed.success && !problems.length) return parsed.data;
  if (!parsed.success) {
    const variableOf = Object.fromEntries(Object.entries(ENVIRONMENT).map(([k, v]) => [v, k]));
    for (const issue of parsed.error.issues) {
      const path = issue.path.join('.');
      const variable = variableOf[path] ? ` (${variableOf[path]})` : '';
      const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
      problems.push(`${path || '(config)'}${variable}: ${missing ? `required${variable ? `: set ${variableOf[path]}` : ''}` : issue.message}`);
    }
  }
  throw new ConfigError(problems);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The bridge configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee README, "Bridge configuration".`);
    this.name = 'ConfigError';
  }
}

function set(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

/**
 * Whether the WHATWG URL parser (which pg uses) reads the text as it was meant: it parses, and a text holding an @
 * after `://` yields a user name or a password. A password with an unencoded #, / or ? (`postgres://u:1234#pw@db/bms`)
 * parses too, but as host `u`, port 1234, without credentials: pg would connect to the wrong host and print the
 * password as part of it. An @ in a query value (`?application_name=a@b`) still passes where the URL has a user.
 */
function parsesAsUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  return !text.slice(text.indexOf('://') + 3).includes('@') || url.username !== '' || url.password !== '';
}
