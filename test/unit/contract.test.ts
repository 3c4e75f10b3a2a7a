import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Webhook } from 'standardwebhooks';

import { ConfigError, loadConfig } from '../../bridge/config/config';
import { DEFAULT_SYNC, SYNCABLE } from '../../bridge/converge/model';
import { USER_ATTRIBUTES } from '../../bridge/keycloak/attributes';
import { CheckedMapper, mapperProblems, REQUIRED_KEYS } from '../../bridge/rules/mapper-checks';
import { DEFAULTS_MAPPER, parseRuleSet } from '../../bridge/rules/parse';
import { webhookSchema } from '../../bridge/webhooks/events';
import { bridgeAnswerSchema, loginProvisioningRequestedSchema } from '../../bridge/webhooks/payload';
import { webhookSecret, webhookSecretProblem } from '../../bridge/webhooks/secret';
import { verifyWebhook } from '../../bridge/webhooks/verify';
import { repoRoot } from '../stack/project';
import { contractFixture, LoginRequestCase } from '../support/contract';

/**
 * The bridge's half of the contract in test/fixtures/contract/ (the plugin's JUnit tests run the other half on the
 * same files): what the plugin sends, the bridge reads unchanged; what one side accepts, the other accepts.
 */

describe('the login webhook', () => {
  const { cases } = contractFixture<{ cases: LoginRequestCase[] }>('login-requests.json');

  test.each(cases.map((c) => [c.case, c.body] as const))('%s: read unchanged (nulls stay null, no normalisation)', (_case, body) => {
    expect(loginProvisioningRequestedSchema.parse(body)).toEqual(body);
  });

  test('an unknown field or a missing one is refused with its path', () => {
    const body = cases[0].body;
    expect(loginProvisioningRequestedSchema.safeParse({ ...body, surprise: 1 }).success).toBe(false);
    const { groups: _dropped, ...user } = body.user;
    const missing = loginProvisioningRequestedSchema.safeParse({ ...body, user });
    expect(missing.success ? [] : missing.error.issues.map((i) => i.path.join('.'))).toEqual(['user.groups']);
  });
});

describe("the bridge's answers", () => {
  interface AnswerCase { case: string; httpStatus: number; body: string; status?: string; message?: string | null }
  const answers = contractFixture<{ valid: AnswerCase[]; invalid: AnswerCase[] }>('answers.json');

  /** What the plugin would read from this reply under the bridge's schema, or undefined when it is no answer. */
  function read(c: AnswerCase): { status: string; message: string | null } | undefined {
    if (c.httpStatus !== 200) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(c.body);
    } catch {
      return undefined;
    }
    const parsed = bridgeAnswerSchema.safeParse(json);
    return parsed.success ? { status: parsed.data.status, message: parsed.data.message ?? null } : undefined;
  }

  test.each(answers.valid.map((c) => [c.case, c] as const))('%s: an answer the bridge may send', (_case, c) => {
    expect(read(c)).toEqual({ status: c.status, message: c.message ?? null });
  });

  test.each(answers.invalid.map((c) => [c.case, c] as const))('%s: not an answer', (_case, c) => {
    expect(read(c)).toBeUndefined();
  });
});

describe("the event listener's webhooks", () => {
  const { cases } = contractFixture<{ cases: { case: string; body: Record<string, unknown> }[] }>('events.json');

  test.each(cases.map((c) => [c.case, c.body] as const))('%s: read unchanged', (_case, body) => {
    expect(webhookSchema.parse(body)).toEqual(body);
  });
});

describe('the webhook secret', () => {
  const { cases } = contractFixture<{ cases: { case: string; value: string; valid: boolean; keyBytes?: number }[] }>('secrets.json');
  const env = { KEYCLOAK_URL: 'http://127.0.0.1:8080', KEYCLOAK_CLIENT_ID: 'bms-bridge', KEYCLOAK_CLIENT_SECRET: 'not-a-real-secret', BMS_REGION: 'emea', BMS_TENANT: 'Contoso MSP', BMS_USERNAME: 'api@contoso.example', BMS_PASSWORD: 'not-a-real-password' };

  test.each(cases.map((c) => [c.case, c] as const))('%s', (_case, c) => {
    expect(webhookSecretProblem(c.value) === undefined).toBe(c.valid);
    let configError: unknown;
    try {
      loadConfig({ ...env, BRIDGE_WEBHOOK_SECRET: c.value });
    } catch (err) {
      configError = err;
    }
    expect(configError === undefined).toBe(c.valid);
    if (c.valid) expect(Buffer.from(webhookSecret(c.value).slice('whsec_'.length), 'base64')).toHaveLength(c.keyBytes ?? -1);
    else expect((configError as ConfigError).problems.join('\n')).toMatch(c.value === '' ? /webhook.secret \(BRIDGE_WEBHOOK_SECRET\): required/ : /webhook.secret \(BRIDGE_WEBHOOK_SECRET\): must be a Standard Webhooks secret/);
  });
});

describe('the signature vectors', () => {
  const { vectors } = contractFixture<{ vectors: { case: string; secret: string; webhookId: string; timestamp: number; body: string; signature: string }[] }>('signatures.json');
  afterEach(() => jest.useRealTimers());

  test.each(vectors.map((v) => [v.case, v] as const))('%s: signed alike, and verified at its timestamp', (_case, v) => {
    const at = new Date(v.timestamp * 1000);
    expect(new Webhook(v.secret).sign(v.webhookId, at, v.body)).toBe(v.signature);
    jest.useFakeTimers({ now: at });
    const headers = { 'webhook-id': v.webhookId, 'webhook-timestamp': String(v.timestamp), 'webhook-signature': v.signature };
    expect(verifyWebhook(new Webhook(v.secret), Buffer.from(v.body, 'utf8'), headers)).toEqual({ ok: true, id: v.webhookId });
    expect(verifyWebhook(new Webhook(v.secret), Buffer.from(v.body + ' ', 'utf8'), headers)).toMatchObject({ ok: false });
  });
});

describe('the mapper checks', () => {
  interface MapperCase { case: string; candidate: Omit<CheckedMapper, 'id' | 'name'> & Partial<CheckedMapper>; others: (Omit<CheckedMapper, 'id' | 'name'> & Partial<CheckedMapper>)[]; problems: string[] }
  const fixture = contractFixture<{ syncFields: string[]; defaultSync: string[]; requiredFields: string[]; cases: MapperCase[] }>('mapper-checks.json');
  const named = (m: MapperCase['candidate'], id: string, name: string): CheckedMapper => ({ id: m.id ?? id, name: m.name ?? name, type: m.type, config: m.config });
  const validDefaults: CheckedMapper = { id: 'set-defaults', name: 'Set defaults', type: DEFAULTS_MAPPER, config: Object.fromEntries(fixture.requiredFields.map((k) => [k, 'Some value'])) };

  test.each(fixture.cases.map((c) => [c.case, c] as const))('%s', (_case, c) => {
    const candidate = named(c.candidate, 'candidate', 'Candidate');
    const others = c.others.map((o, i) => named(o, `other-${i + 1}`, `Other ${i + 1}`));
    expect(mapperProblems(candidate, others).map((p) => p.code).sort()).toEqual([...c.problems].sort());
    // the parser loads the identity provider's mappers with the same checks: usable exactly when the plugin would save it
    const set = [...(others.some((o) => o.type === DEFAULTS_MAPPER) || candidate.type === DEFAULTS_MAPPER ? [] : [validDefaults]), ...others, candidate];
    const parsed = parseRuleSet('passly', set.map((m) => ({ id: m.id, name: m.name, identityProviderMapper: m.type, config: m.config })));
    expect(parsed.problems.length > 0).toBe(c.problems.length > 0);
  });

  test('the sync options and their default are the contract\'s', () => {
    expect([...SYNCABLE]).toEqual(fixture.syncFields);
    expect([...DEFAULT_SYNC]).toEqual(fixture.defaultSync);
    expect(REQUIRED_KEYS).toEqual(fixture.requiredFields);
  });
});

describe('the shared user attributes', () => {
  const fixture = contractFixture<{ attributes: Record<string, string>; importedFrom: Record<string, string> }>('attributes.json');
  interface ProfileAttribute { name: string; multivalued?: boolean; validations?: Record<string, Record<string, unknown>>; permissions?: { edit?: string[] } }
  interface Realm {
    components: Record<string, { config: Record<string, string[]> }[]>;
    identityProviderMappers: { identityProviderMapper: string; config: Record<string, string> }[];
  }
  const realm = JSON.parse(readFileSync(join(repoRoot, 'keycloak-realm.json'), 'utf8')) as Realm;
  const profile = JSON.parse(realm.components['org.keycloak.userprofile.UserProfileProvider'][0].config['kc.user.profile.config'][0]) as { attributes: ProfileAttribute[] };
  const declared = (name: string): ProfileAttribute | undefined => profile.attributes.find((a) => a.name === name);

  test('the bridge uses the contract\'s names', () => {
    expect(USER_ATTRIBUTES).toEqual(fixture.attributes);
  });

  test.each(Object.entries(fixture.attributes))('%s (%s) is declared in keycloak-realm.json, editable by admins only', (_key, name) => {
    expect(declared(name)?.permissions?.edit).toEqual(['admin']);
  });

  test.each(Object.entries(fixture.importedFrom))('%s is imported from the SAML attribute %s', (key, samlName) => {
    const importer = realm.identityProviderMappers.find((m) => m.identityProviderMapper === 'saml-user-attribute-idp-mapper' && m.config['user.attribute'] === fixture.attributes[key]);
    expect(importer?.config['attribute.name']).toBe(samlName);
  });

  test('groups are multivalued and as long as the bridge accepts (2,048 characters)', () => {
    expect(declared(USER_ATTRIBUTES.groups)?.multivalued).toBe(true);
    expect(declared(USER_ATTRIBUTES.groups)?.validations?.length).toEqual({ max: 2048 });
  });

  test('directory values are not held to validators made for self-registration (names, user name, e-mail)', () => {
    const refusing = ['person-name-prohibited-characters', 'username-prohibited-characters', 'up-username-not-idn-homograph', 'email'];
    for (const name of ['firstName', 'lastName', 'username', 'email']) expect(Object.keys(declared(name)?.validations ?? {}).filter((v) => refusing.includes(v))).toEqual([]);
  });
});
