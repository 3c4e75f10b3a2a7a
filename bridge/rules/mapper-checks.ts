import { SYNCABLE } from '../converge/model';
import { javaTrim } from '../text/java-trim';
import { FIELD_KEYS, REQUIRED_FIELDS } from './model';

export const DEFAULTS_MAPPER = 'bms-employee-defaults';
export const RULE_MAPPER = 'bms-mapping-rule';
export const SYNC_FIELDS_KEY = 'bms.sync.fields';
export const REHIRE_POLICY_KEY = 'bms.rehire.policy';
export const DOMAIN_PAIRS_KEY = 'bms.domain.pairs';

/** One identity-provider mapper, as the checks need it. */
export interface CheckedMapper {
  id: string;
  name: string;
  /** the mapper type (Keycloak's `identityProviderMapper`) */
  type: string;
  config: Record<string, string>;
}

/** A problem with a mapper: `code` as in test/fixtures/contract/mapper-checks.json, `message` for the logs and /readyz. */
export interface MapperProblem {
  code: string;
  message: string;
}

/** ASCII digits, an optional '-', at most 9 digits: what the plugin's save check accepts and a Java int holds. */
const ORDER = /^-?[0-9]{1,9}$/;

/**
 * A mapper setting as both sides read it: trimmed as Java trims (see javaTrim), undefined when empty. The grammar is
 * in test/fixtures/contract/mapper-checks.json.
 */
export function configValue(config: Record<string, string>, key: string): string | undefined {
  const value = config[key] === undefined ? '' : javaTrim(config[key]);
  return value === '' ? undefined : value;
}

/** A rule's order as a number, or undefined when it is not the contract's whole number. */
export function orderOf(config: Record<string, string>): number | undefined {
  const text = configValue(config, 'bms.order') ?? '';
  return ORDER.test(text) ? Number(text) : undefined;
}

/**
 * The problems of `candidate` among the other mappers of its identity provider: the same checks, with the same codes,
 * as the plugin's save-time check (MapperRules.check), both tested against test/fixtures/contract/mapper-checks.json.
 * A mapper of another type has none.
 */
export function mapperProblems(candidate: CheckedMapper, others: readonly CheckedMapper[]): MapperProblem[] {
  if (candidate.type === DEFAULTS_MAPPER) return defaultsProblems(candidate, others);
  if (candidate.type === RULE_MAPPER) return ruleProblems(candidate, others);
  return [];
}

function ruleProblems(candidate: CheckedMapper, others: readonly CheckedMapper[]): MapperProblem[] {
  const problems: MapperProblem[] = [];
  const c = candidate.config;
  const order = orderOf(c);
  if (order === undefined) {
    problems.push({ code: 'rule.order.not-whole-number', message: `order '${configValue(c, 'bms.order') ?? ''}' is not a whole number of at most 9 digits` });
  } else {
    const clash = others.find((m) => m.type === RULE_MAPPER && m.id !== candidate.id && orderOf(m.config) === order);
    if (clash) problems.push({ code: 'rule.order.taken', message: `order ${order} is also the order of rule '${clash.name}'; every rule needs its own order` });
  }
  if (!configValue(c, 'bms.match.domain') && !configValue(c, 'bms.match.group') && !configValue(c, 'bms.match.user')) {
    problems.push({ code: 'rule.no-condition', message: 'no match condition (AD domain, security group or user)' });
  }
  const effect = configValue(c, 'bms.effect') ?? 'provision';
  if (effect !== 'provision' && effect !== 'deny') problems.push({ code: 'rule.effect', message: `effect '${effect}' is not provision or deny` });
  const defaults = others.find((m) => m.type === DEFAULTS_MAPPER);
  if (defaults && effect === 'provision') {
    const unset = REQUIRED_KEYS.filter((k) => !configValue(c, k) && !configValue(defaults.config, k));
    if (unset.length) problems.push({ code: 'rule.required-fields', message: `this rule and the defaults leave ${unset.join(', ')} empty; a new BMS employee needs each of them` });
  }
  return problems;
}

/** The config keys of the fields a new employee needs (all but the manager), as the plugin's BmsFields.REQUIRED. */
export const REQUIRED_KEYS: readonly string[] = REQUIRED_FIELDS.map((f) => FIELD_KEYS[f]);

const isProvisionRule = (m: CheckedMapper): boolean => m.type === RULE_MAPPER && (configValue(m.config, 'bms.effect') ?? 'provision') === 'provision';

function defaultsProblems(candidate: CheckedMapper, others: readonly CheckedMapper[]): MapperProblem[] {
  const problems: MapperProblem[] = [];
  const c = candidate.config;
  const first = others.find((m) => m.type === DEFAULTS_MAPPER && m.id !== candidate.id);
  if (first) problems.push({ code: 'defaults.duplicate', message: `a second 'BMS employee defaults' mapper (with '${first.name}'); keep one` });
  const policy = configValue(c, 'bms.no.match.policy') ?? 'deny';
  if (policy !== 'deny' && policy !== 'defaults') problems.push({ code: 'defaults.no-match-policy', message: `'When no rule matches' is '${policy}', expected deny or defaults` });
  problems.push(...syncFieldProblems(configValue(c, SYNC_FIELDS_KEY)));
  const rehire = configValue(c, REHIRE_POLICY_KEY) ?? 'reactivate';
  if (rehire !== 'reactivate' && rehire !== 'deny') problems.push({ code: 'defaults.rehire-policy', message: `'Rehire' is '${rehire}', expected reactivate or deny` });
  const bad = domainPairItems(configValue(c, DOMAIN_PAIRS_KEY)).filter((p) => !p.pair).map((p) => `'${p.item}'`);
  if (bad.length) problems.push({ code: 'defaults.domain-pairs.malformed', message: `'NetBIOS and DNS domain pairs' has ${bad.join(', ')}; write each pair as NETBIOS=dns.domain, for example CORP=contoso.com` });
  // what the defaults leave empty, every provision rule must set (and with the policy 'defaults', nothing may be empty)
  const unset = REQUIRED_KEYS.filter((k) => !configValue(c, k));
  const relying = others.filter((m) => isProvisionRule(m) && m.id !== candidate.id && unset.some((k) => !configValue(m.config, k))).map((m) => `'${m.name}'`);
  if (unset.length && (policy === 'defaults' || relying.length)) {
    problems.push({ code: 'defaults.required-fields', message: `the defaults leave ${unset.join(', ')} empty, which ${relying.length ? `the rules ${relying.join(', ')}` : 'a user no rule matches'} would need` });
  }
  return problems;
}

function syncFieldProblems(stored: string | undefined): MapperProblem[] {
  if (stored === undefined) return [];
  const items = stored.split('##');
  const problems: MapperProblem[] = [];
  if (items.includes('')) problems.push({ code: 'defaults.sync-fields.empty-item', message: `'Keep in sync' has an empty item ('${stored}'); separate the fields with a single '##'` });
  if (items.includes('none') && items.some((v) => v !== 'none')) problems.push({ code: 'defaults.sync-fields.none-with-others', message: "'Keep in sync' has 'none' with other fields; choose 'none' alone or only the fields to keep in sync" });
  const unknown = [...new Set(items.filter((v) => v !== '' && v !== 'none' && !(SYNCABLE as readonly string[]).includes(v)))];
  if (unknown.length) problems.push({ code: 'defaults.sync-fields.unknown', message: `'Keep in sync' has unknown fields ${unknown.map((u) => `'${u}'`).join(', ')}; expected some of ${SYNCABLE.join(', ')}, or none alone` });
  return problems;
}

/** `NETBIOS=dns.domain##…`: each item with its pair (both parts trimmed), or without one when malformed. */
export function domainPairItems(stored: string | undefined): { item: string; pair?: [netbios: string, dns: string] }[] {
  if (stored === undefined) return [];
  return stored.split('##').map((item) => {
    const parts = item.split('=');
    const netbios = javaTrim(parts[0]);
    const dns = parts.length === 2 ? javaTrim(parts[1]) : '';
    const ok = parts.length === 2 && netbios !== '' && !netbios.includes('.') && netbios.length <= 15 && dns.includes('.') && !dns.startsWith('.') && !dns.endsWith('.');
    return ok ? { item, pair: [netbios, dns] } : { item };
  });
}
