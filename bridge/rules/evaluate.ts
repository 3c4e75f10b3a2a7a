import { DomainPairs, domainForms, domainMatches, fold, ruleGroupKeys, userGroupKeys } from './directory-names';
import { Decision, FieldValues, REQUIRED_FIELDS, Rule, RuleSet, UserFacts } from './model';

/** The user's AD domain: the Domain attribute when Passly sent one, else the UPN's suffix, else the e-mail's domain. */
export function userDomain(facts: UserFacts): string | undefined {
  const suffix = (value: string | null | undefined): string | undefined => {
    const at = value?.lastIndexOf('@') ?? -1;
    return value && at >= 0 && at < value.length - 1 ? value.slice(at + 1) : undefined;
  };
  const domain = facts.domain?.trim() || suffix(facts.upn?.trim()) || suffix(facts.email?.trim());
  return domain ? domain.toLowerCase() : undefined;
}

/** What one evaluation needs of the user, computed once: every group parsed, every domain form. */
interface PreparedFacts {
  facts: UserFacts;
  pairs: DomainPairs;
  /** the admin's listed pairs, folded (domainForms adds the other form of each) */
  listed: ReadonlyMap<string, string>;
  /** every domain form, computed at the first rule with a domain condition */
  domains?: Set<string>;
}

/** A rule set's rules by the keys of their group (rules without a group condition apart), built once per set. */
interface RuleIndex {
  byGroupKey: Map<string, Rule[]>;
  withoutGroup: Rule[];
  pairs: DomainPairs;
}

const indexes = new WeakMap<RuleSet, RuleIndex>();

function indexOf(ruleSet: RuleSet): RuleIndex {
  let index = indexes.get(ruleSet);
  if (index) return index;
  const pairs = new DomainPairs(ruleSet.defaults?.domainPairs);
  index = { byGroupKey: new Map(), withoutGroup: [], pairs };
  for (const rule of ruleSet.rules) {
    if (!rule.match.group) {
      index.withoutGroup.push(rule);
      continue;
    }
    for (const key of ruleGroupKeys(rule.match.group, rule.effect, pairs)) index.byGroupKey.set(key, [...(index.byGroupKey.get(key) ?? []), rule]);
  }
  indexes.set(ruleSet, index);
  return index;
}

/** The matching rule with the lowest order: only rules whose group the user has (by key) and rules without a group are tried. */
function winningRule(index: RuleIndex, user: PreparedFacts): Rule | undefined {
  const candidates = new Set<Rule>(index.withoutGroup);
  for (const text of user.facts.groups) {
    for (const key of userGroupKeys(text, index.pairs)) {
      const rules = index.byGroupKey.get(key);
      if (rules) for (const rule of rules) candidates.add(rule);
    }
  }
  let best: Rule | undefined;
  for (const rule of candidates) if ((!best || rule.order < best.order) && matches(rule, user)) best = rule;
  return best;
}

/** Groups in any AD form, domains in any form (README, "Rule semantics"); the user condition ignores case. */
/** The rule's other conditions; its group condition holds already (it was found under one of the user's group keys). */
function matches(rule: Rule, user: PreparedFacts): boolean {
  const { match } = rule;
  if (match.domain && !domainMatches(match.domain, (user.domains ??= domainForms(user.facts, user.listed)), user.pairs)) return false;
  if (match.user) {
    const wanted = fold(match.user.trim());
    if (![user.facts.upn, user.facts.email, user.facts.username].some((v) => v && fold(v.trim()) === wanted)) return false;
  }
  return true;
}

const NOT_FOR_BMS = 'Your account is not set up to use BMS. If you need BMS, ask your IT administrator to add you to the right group.';
const NOT_CONFIGURED = 'BMS sign-in is not fully configured yet. Please tell your IT administrator; they will see the reason in the BMS provisioning logs.';

/**
 * BMS's JIT semantics, kept in Keycloak: among the rules that match the user, the lowest order wins; a deny rule
 * denies; a provision rule's values override the defaults; with no match the defaults mapper's policy decides.
 */
export function evaluate(ruleSet: RuleSet, facts: UserFacts): Decision {
  const domain = userDomain(facts);
  if (ruleSet.problems.length || !ruleSet.defaults) {
    return { outcome: 'unusable', domain, reason: `the BMS rules of '${ruleSet.idpAlias}' cannot be used: ${ruleSet.problems.join('; ')}`, userMessage: NOT_CONFIGURED };
  }
  const index = indexOf(ruleSet);
  const prepared: PreparedFacts = { facts, pairs: index.pairs, listed: ruleSet.defaults.domainPairs };
  const rule = winningRule(index, prepared);
  if (rule?.effect === 'deny') return { outcome: 'deny', rule, domain, reason: `deny rule '${rule.name}' (order ${rule.order}) matched`, userMessage: NOT_FOR_BMS };
  if (!rule && ruleSet.defaults.noMatchPolicy === 'deny') return { outcome: 'deny', domain, reason: 'no rule matched and the policy is deny', userMessage: NOT_FOR_BMS };
  const fields: FieldValues = { ...ruleSet.defaults.values, ...(rule?.values ?? {}) };
  const missing = REQUIRED_FIELDS.filter((f) => !fields[f]);
  if (missing.length) {
    return { outcome: 'unusable', domain, reason: `${rule ? `rule '${rule.name}'` : 'the defaults'} leave${rule ? 's' : ''} ${missing.join(', ')} without a value`, userMessage: NOT_CONFIGURED };
  }
  return { outcome: 'provision', rule, fields, domain, reason: rule ? `rule '${rule.name}' (order ${rule.order}) matched` : 'no rule matched; the defaults apply' };
}
