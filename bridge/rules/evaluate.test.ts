import { evaluate, userDomain } from './evaluate';
import { UserFacts } from './model';
import { MapperRepresentation, parseRuleSet } from './parse';

const defaults = (config: Record<string, string> = {}): MapperRepresentation => ({
  id: 'd',
  name: 'Defaults',
  identityProviderMapper: 'bms-employee-defaults',
  config: {
    'bms.account': 'Contoso MSP', 'bms.department': 'Service Desk', 'bms.location': 'Head Office', 'bms.job.title': 'Technician',
    'bms.employment.type': 'Full Time', 'bms.security.role': 'Read Only', 'bms.employee.role': 'Engineer', 'bms.no.match.policy': 'deny', ...config,
  },
});
const rule = (id: string, order: number, config: Record<string, string>): MapperRepresentation => ({ id, name: `Rule ${order}`, identityProviderMapper: 'bms-mapping-rule', config: { 'bms.order': String(order), ...config } });

const rules = parseRuleSet('passly', [
  defaults(),
  rule('r10', 10, { 'bms.match.group': 'BMS-Sales', 'bms.match.domain': 'fabrikam.com', 'bms.effect': 'deny' }),
  rule('r20', 20, { 'bms.match.group': 'BMS-Techs', 'bms.security.role': 'Technician', 'bms.location': 'Branch North' }),
  rule('r30', 30, { 'bms.match.group': 'BMS-Dispatch', 'bms.security.role': 'Dispatcher' }),
  rule('r5', 5, { 'bms.match.user': 'Boss@Contoso.com', 'bms.security.role': 'Administrator' }),
  { id: 'x', name: 'Email', identityProviderMapper: 'saml-user-attribute-idp-mapper', config: {} },
]);

const user = (facts: Partial<UserFacts>): UserFacts => ({ groups: [], ...facts });

describe('user domain', () => {
  test.each([
    [{ domain: 'CONTOSO.COM', upn: 'a@fabrikam.com', email: 'a@x.org' }, 'contoso.com'],
    [{ upn: 'A@Fabrikam.com', email: 'a@x.org' }, 'fabrikam.com'],
    [{ email: 'someone@Example.ORG' }, 'example.org'],
    [{ domain: '  ', upn: 'no-at-sign', email: null }, undefined],
  ])('%j -> %s', (facts, domain) => expect(userDomain(user(facts))).toBe(domain));
});

describe('evaluation', () => {
  test.each<[string, Partial<UserFacts>, string, string | undefined, Record<string, string> | null]>([
    ['a group matches ignoring case', { groups: ['bms-techs'], email: 'a@contoso.com' }, 'provision', 'Rule 20', { securityRole: 'Technician', location: 'Branch North', department: 'Service Desk' }],
    ['a DN group matches a rule written with its CN', { groups: ['CN=BMS-Techs,OU=Groups,DC=contoso,DC=com'] }, 'provision', 'Rule 20', null],
    ['the lowest order wins among matching rules', { groups: ['BMS-Dispatch', 'BMS-Techs'] }, 'provision', 'Rule 20', null],
    ['a user rule matches the UPN ignoring case', { upn: 'boss@contoso.com', groups: ['BMS-Techs'] }, 'provision', 'Rule 5', { securityRole: 'Administrator' }],
    ['a deny rule needs all its conditions: group and domain', { groups: ['BMS-Sales'], domain: 'Fabrikam.com' }, 'deny', 'Rule 10', null],
    ['the domain from the UPN feeds the deny rule', { groups: ['BMS-Sales'], upn: 'x@FABRIKAM.com' }, 'deny', 'Rule 10', null],
    ['the same group in another domain matches nothing: policy deny', { groups: ['BMS-Sales'], domain: 'contoso.com' }, 'deny', undefined, null],
    ['no groups at all: policy deny', { email: 'x@contoso.com' }, 'deny', undefined, null],
    ['a NetBIOS-qualified group matches a rule written as the bare name', { groups: ['CONTOSO\\BMS-Techs'] }, 'provision', 'Rule 20', null],
    ['deny is never skipped for the NetBIOS form of the domain', { groups: ['BMS-Sales', 'BMS-Techs'], domain: 'FABRIKAM', upn: 'x@fabrikam.com' }, 'deny', 'Rule 10', null],
    ['deny is never skipped when only the UPN carries the DNS form', { groups: ['BMS-Sales', 'BMS-Techs'], domain: 'OTHER', upn: 'x@fabrikam.com' }, 'deny', 'Rule 10', null],
  ])('%s', (_, facts, outcome, ruleName, fields) => {
    const decision = evaluate(rules, user(facts));
    expect(decision.outcome).toBe(outcome);
    expect('rule' in decision ? decision.rule?.name : undefined).toBe(ruleName);
    if (fields) expect(decision.outcome === 'provision' ? decision.fields : {}).toMatchObject(fields);
  });

  test('a rule written as a full DN matches that DN only, never another group with the same CN', () => {
    const admins = 'CN=BMS-Admins,OU=Groups,DC=contoso,DC=com';
    const set = parseRuleSet('passly', [defaults(), rule('r40', 40, { 'bms.match.group': admins, 'bms.security.role': 'Administrator' })]);
    expect(evaluate(set, user({ groups: [admins.toLowerCase()] })).outcome).toBe('provision');
    for (const lookalike of ['CN=BMS-Admins,OU=Partners,DC=example,DC=org', 'bms-admins', 'EXAMPLE\\BMS-Admins']) {
      expect(evaluate(set, user({ groups: [lookalike] })).outcome).toBe('deny');
    }
  });

  test('a deny rule for a DNS domain reaches users whose Domain attribute is a NetBIOS name only a listed pair gives', () => {
    const deny = rule('r10', 10, { 'bms.match.group': 'BMS-Sales', 'bms.match.domain': 'contoso.com', 'bms.effect': 'deny' });
    const techs = rule('r20', 20, { 'bms.match.group': 'BMS-Sales' });
    const facts = user({ groups: ['BMS-Sales'], domain: 'CORP' });
    expect(evaluate(parseRuleSet('passly', [defaults(), deny, techs]), facts)).toMatchObject({ outcome: 'provision' });
    expect(evaluate(parseRuleSet('passly', [defaults({ 'bms.domain.pairs': 'CORP=contoso.com' }), deny, techs]), facts)).toMatchObject({ outcome: 'deny', rule: { name: 'Rule 10' } });
  });

  test('with the defaults policy, a user no rule matches gets the defaults', () => {
    const set = parseRuleSet('passly', [defaults({ 'bms.no.match.policy': 'defaults' }), rule('r20', 20, { 'bms.match.group': 'BMS-Techs' })]);
    const decision = evaluate(set, user({ groups: ['Other'] }));
    expect(decision).toMatchObject({ outcome: 'provision', rule: undefined, fields: { securityRole: 'Read Only', account: 'Contoso MSP' } });
  });

  test('a deny message is one a user can act on', () => {
    const decision = evaluate(rules, user({ groups: ['BMS-Sales'], domain: 'fabrikam.com' }));
    expect(decision.outcome === 'deny' && decision.userMessage).toMatch(/ask your IT administrator/);
  });

  test('rules with problems provision nobody, and say why', () => {
    const set = parseRuleSet('passly', [defaults(), rule('a', 20, { 'bms.match.group': 'X' }), rule('b', 20, { 'bms.match.group': 'Y' }), rule('c', 7, {})]);
    expect(set.problems).toEqual(["rule 'Rule 20': order 20 is also the order of rule 'Rule 20'; every rule needs its own order", "rule 'Rule 7': no match condition (AD domain, security group or user)"]);
    expect(evaluate(set, user({ groups: ['X'] })).outcome).toBe('unusable');
    expect(parseRuleSet('passly', [rule('a', 1, { 'bms.match.group': 'X' })]).problems).toEqual(["identity provider 'passly' has no 'BMS employee defaults' mapper"]);
  });

  test('a provision rule that leaves a required field empty is a problem of the rule set when it loads, not at a sign-in (review finding 2)', () => {
    const set = parseRuleSet('passly', [defaults({ 'bms.account': '' }), rule('r', 1, { 'bms.match.group': 'X' })]);
    expect(set.problems).toEqual(["rule 'Rule 1': this rule and the defaults leave bms.account empty; a new BMS employee needs each of them"]);
    expect(evaluate(set, user({ groups: ['X'] }))).toMatchObject({ outcome: 'unusable' });
    // the rule set in force stays usable: RuleSource keeps the last good one (rule-source.test.ts)
  });

  test('a deny rule is never skipped for the form of a group: listed pairs, a DN deny against plain and NetBIOS forms (review findings 1 and 5)', () => {
    const set = parseRuleSet('passly', [
      defaults({ 'bms.domain.pairs': 'CORP=contoso.com' }),
      rule('corp-sales', 10, { 'bms.effect': 'deny', 'bms.match.group': 'CORP\\BMS-Sales' }),
      rule('partners', 15, { 'bms.effect': 'deny', 'bms.match.group': 'CN=Partners,OU=Groups,DC=contoso,DC=com' }),
      rule('techs', 20, { 'bms.match.group': 'BMS-Techs' }),
    ]);
    expect(set.problems).toEqual([]);
    const outcome = (groups: string[], domain?: string) => evaluate(set, user({ groups, domain })).outcome;
    expect(outcome(['CN=BMS-Sales,OU=Groups,DC=contoso,DC=com', 'BMS-Techs'], 'CORP')).toBe('deny');
    expect(outcome(['Partners', 'BMS-Techs'])).toBe('deny');
    expect(outcome(['CORP\\Partners', 'BMS-Techs'])).toBe('deny');
    expect(outcome(['CN=Partners,OU=Elsewhere,DC=example,DC=org', 'BMS-Techs'])).toBe('provision');
  });

  test('the example rules shipped in keycloak-realm.json parse without problems', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const realm = require('../../keycloak-realm.json') as { identityProviderMappers: MapperRepresentation[] };
    const set = parseRuleSet('passly', realm.identityProviderMappers.map((m, i) => ({ ...m, id: String(i) })));
    expect(set.problems).toEqual([]);
    expect(set.rules.map((r) => r.order)).toEqual([10, 20, 30, 40]);
    expect(evaluate(set, user({ groups: ['CN=BMS-Admins,OU=Groups,DC=contoso,DC=com', 'BMS-Techs'], upn: 'ada@contoso.com' }))).toMatchObject({ outcome: 'provision', rule: { order: 20 } });
  });
});
