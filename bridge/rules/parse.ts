import { z } from 'zod';

import { DEFAULT_SYNC, Policies, SYNCABLE, Syncable } from '../converge/model';
import { fold } from './directory-names';
import { CheckedMapper, configValue, DEFAULTS_MAPPER, DOMAIN_PAIRS_KEY, domainPairItems, mapperProblems, orderOf, REHIRE_POLICY_KEY, RULE_MAPPER, SYNC_FIELDS_KEY } from './mapper-checks';
import { BMS_FIELDS, Defaults, FIELD_KEYS, FieldValues, Rule, RuleSet } from './model';

export { DEFAULTS_MAPPER, DOMAIN_PAIRS_KEY, REHIRE_POLICY_KEY, RULE_MAPPER, SYNC_FIELDS_KEY } from './mapper-checks';

/** An identity-provider mapper as Keycloak's admin API returns it. */
export const mapperSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  identityProviderAlias: z.string().optional(),
  identityProviderMapper: z.string(),
  config: z.record(z.string(), z.string()).default({}),
});
export type MapperRepresentation = z.input<typeof mapperSchema>;

function valuesOf(config: Record<string, string>): FieldValues {
  const values: FieldValues = {};
  for (const field of BMS_FIELDS) {
    const value = configValue(config, FIELD_KEYS[field]);
    if (value) values[field] = value;
  }
  return values;
}

/**
 * Reads the BMS mappers of one identity provider into a rule set. Each mapper is checked against the ones before it
 * exactly as the plugin checks it when an admin saves it (mapper-checks.ts; the shared cases are in
 * test/fixtures/contract/mapper-checks.json), and the set needs one defaults mapper. Problems are collected, not
 * thrown: the bridge reports them, and a set with problems provisions nobody (the last good set stays in force).
 */
export function parseRuleSet(idpAlias: string, mappers: MapperRepresentation[]): RuleSet {
  const checked: CheckedMapper[] = mappers.map((m) => mapperSchema.parse(m)).map((m) => ({ id: m.id, name: m.name, type: m.identityProviderMapper, config: m.config }));
  const problems: string[] = [];
  checked.forEach((m, i) => {
    const kind = m.type === RULE_MAPPER ? 'rule' : 'defaults mapper';
    for (const p of mapperProblems(m, checked.slice(0, i))) problems.push(`${kind} '${m.name}': ${p.message}`);
  });
  const defaultsMapper = checked.find((m) => m.type === DEFAULTS_MAPPER);
  if (!defaultsMapper) problems.push(`identity provider '${idpAlias}' has no 'BMS employee defaults' mapper`);
  const defaults: Defaults | undefined = defaultsMapper && {
    mapperId: defaultsMapper.id,
    name: defaultsMapper.name,
    values: valuesOf(defaultsMapper.config),
    noMatchPolicy: configValue(defaultsMapper.config, 'bms.no.match.policy') === 'defaults' ? 'defaults' : 'deny',
    policies: policiesOf(defaultsMapper.config),
    domainPairs: domainPairsOf(defaultsMapper.config),
  };
  const rules: Rule[] = checked.filter((m) => m.type === RULE_MAPPER).map((m) => ({
    mapperId: m.id,
    name: m.name,
    order: orderOf(m.config) ?? Number.NaN,
    match: { domain: configValue(m.config, 'bms.match.domain'), group: configValue(m.config, 'bms.match.group'), user: configValue(m.config, 'bms.match.user') },
    values: valuesOf(m.config),
    effect: configValue(m.config, 'bms.effect') === 'deny' ? 'deny' : 'provision',
  }));
  rules.sort((a, b) => a.order - b.order);
  return { idpAlias, defaults, rules, problems };
}

/** The defaults mapper's update and rehire policies (already checked); Keycloak stores a multivalued list as `a##b##c`. */
function policiesOf(config: Record<string, string>): Policies {
  const listed = configValue(config, SYNC_FIELDS_KEY);
  const sync: Syncable[] = listed === undefined ? [...DEFAULT_SYNC] : listed.split('##').filter((v): v is Syncable => (SYNCABLE as readonly string[]).includes(v));
  return { sync: new Set(sync), rehire: configValue(config, REHIRE_POLICY_KEY) === 'deny' ? 'deny' : 'reactivate' };
}

/** The listed NetBIOS → DNS pairs, folded (malformed items are problems already). */
function domainPairsOf(config: Record<string, string>): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const { pair } of domainPairItems(configValue(config, DOMAIN_PAIRS_KEY))) if (pair) pairs.set(fold(pair[0]), fold(pair[1]));
  return pairs;
}
