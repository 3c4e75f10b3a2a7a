import { z } from 'zod';

import { DEFAULT_SYNC, Policies, SYNCABLE, Syncable } from '../converge/model';
import { fold } from './directory-names';
import { BMS_FIELDS, Defaults, FIELD_KEYS, FieldValues, Rule, RuleSet } from './model';

export const DEFAULTS_MAPPER = 'bms-employee-defaults';
export const RULE_MAPPER = 'bms-mapping-rule';

/** An identity-provider mapper as Keycloak's admin API returns it. */
export const mapperSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  identityProviderAlias: z.string().optional(),
  identityProviderMapper: z.string(),
  config: z.record(z.string(), z.string()).default({}),
});
export type MapperRepresentation = z.input<typeof mapperSchema>;

const text = (config: Record<string, string>, key: string): string | undefined => {
  const value = config[key]?.trim();
  return value ? value : undefined;
};

function valuesOf(config: Record<string, string>): FieldValues {
  const values: FieldValues = {};
  for (const field of BMS_FIELDS) {
    const value = text(config, FIELD_KEYS[field]);
    if (value) values[field] = value;
  }
  return values;
}

/**
 * Reads the BMS mappers of one identity provider into a rule set. Problems (a missing or second defaults mapper,
 * an order that is not a whole number or is used twice, a rule without a condition) are collected, not thrown:
 * the bridge reports them, and a set with problems provisions nobody.
 */
export function parseRuleSet(idpAlias: string, mappers: MapperRepresentation[]): RuleSet {
  const problems: string[] = [];
  const parsed = mappers.map((m) => mapperSchema.parse(m));
  const defaultsMappers = parsed.filter((m) => m.identityProviderMapper === DEFAULTS_MAPPER);
  let defaults: Defaults | undefined;
  if (defaultsMappers.length === 0) problems.push(`identity provider '${idpAlias}' has no 'BMS employee defaults' mapper`);
  if (defaultsMappers.length > 1) problems.push(`identity provider '${idpAlias}' has ${defaultsMappers.length} 'BMS employee defaults' mappers (${defaultsMappers.map((m) => `'${m.name}'`).join(', ')}); keep one`);
  if (defaultsMappers.length >= 1) {
    const m = defaultsMappers[0];
    const policy = (text(m.config, 'bms.no.match.policy') ?? 'deny').toLowerCase();
    if (policy !== 'deny' && policy !== 'defaults') problems.push(`defaults mapper '${m.name}': 'When no rule matches' is '${policy}', expected deny or defaults`);
    defaults = { mapperId: m.id, name: m.name, values: valuesOf(m.config), noMatchPolicy: policy === 'defaults' ? 'defaults' : 'deny', policies: policiesOf(m.name, m.config, problems), domainPairs: domainPairsOf(m.name, m.config, problems) };
  }
  const rules: Rule[] = [];
  for (const m of parsed.filter((p) => p.identityProviderMapper === RULE_MAPPER)) {
    const orderText = text(m.config, 'bms.order') ?? '';
    const order = /^-?\d+$/.test(orderText) ? Number(orderText) : NaN;
    if (!Number.isSafeInteger(order)) {
      problems.push(`rule '${m.name}': order '${orderText}' is not a whole number`);
      continue;
    }
    const match = { domain: text(m.config, 'bms.match.domain'), group: text(m.config, 'bms.match.group'), user: text(m.config, 'bms.match.user') };
    if (!match.domain && !match.group && !match.user) problems.push(`rule '${m.name}': no match condition (AD domain, security group or user)`);
    const effect = (text(m.config, 'bms.effect') ?? 'provision').toLowerCase();
    if (effect !== 'provision' && effect !== 'deny') problems.push(`rule '${m.name}': effect '${effect}' is not provision or deny`);
    const clash = rules.find((r) => r.order === order);
    if (clash) problems.push(`rules '${clash.name}' and '${m.name}' share order ${order}; every rule needs its own order`);
    rules.push({ mapperId: m.id, name: m.name, order, match, values: valuesOf(m.config), effect: effect === 'deny' ? 'deny' : 'provision' });
  }
  rules.sort((a, b) => a.order - b.order);
  return { idpAlias, defaults, rules, problems };
}

export const SYNC_FIELDS_KEY = 'bms.sync.fields';
export const REHIRE_POLICY_KEY = 'bms.rehire.policy';

/** The defaults mapper's update and rehire policies; Keycloak stores a multivalued list as `a##b##c`. */
function policiesOf(mapperName: string, config: Record<string, string>, problems: string[]): Policies {
  const listed = config[SYNC_FIELDS_KEY];
  let sync: Syncable[] = [...DEFAULT_SYNC];
  if (listed !== undefined && listed.trim() !== '') {
    const items = listed.split('##').map((v) => v.trim()).filter(Boolean);
    if (items.includes('none') && items.some((v) => v !== 'none')) problems.push(`defaults mapper '${mapperName}': 'Keep in sync' has 'none' with other fields; choose 'none' alone or only the fields to keep in sync`);
    const unknown = items.filter((v) => v !== 'none' && !(SYNCABLE as readonly string[]).includes(v));
    if (unknown.length) problems.push(`defaults mapper '${mapperName}': 'Keep in sync' has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `'${u}'`).join(', ')}; expected some of ${SYNCABLE.join(', ')}, or none alone`);
    sync = items.filter((v): v is Syncable => (SYNCABLE as readonly string[]).includes(v));
  }
  const rehire = (text(config, REHIRE_POLICY_KEY) ?? 'reactivate').toLowerCase();
  if (rehire !== 'reactivate' && rehire !== 'deny') problems.push(`defaults mapper '${mapperName}': 'Rehire' is '${rehire}', expected reactivate or deny`);
  return { sync: new Set(sync), rehire: rehire === 'deny' ? 'deny' : 'reactivate' };
}

export const DOMAIN_PAIRS_KEY = 'bms.domain.pairs';

/** `NETBIOS=dns.domain##…`, as the plugin's save check accepts it. */
function domainPairsOf(mapperName: string, config: Record<string, string>, problems: string[]): Map<string, string> {
  const pairs = new Map<string, string>();
  const stored = config[DOMAIN_PAIRS_KEY];
  if (!stored?.trim()) return pairs;
  for (const item of stored.split('##')) {
    const parts = item.split('=');
    const [netbios, dns] = parts.map((p) => p.trim());
    if (parts.length !== 2 || !netbios || netbios.includes('.') || netbios.length > 15 || !dns.includes('.') || dns.startsWith('.') || dns.endsWith('.')) {
      problems.push(`defaults mapper '${mapperName}': 'NetBIOS and DNS domain pairs' has '${item}'; write each pair as NETBIOS=dns.domain, for example CORP=contoso.com`);
      continue;
    }
    pairs.set(fold(netbios), fold(dns));
  }
  return pairs;
}
