import { MapperRepresentation, parseRuleSet } from './parse';
import { preview, PreviewSource } from './preview';

const mappers: MapperRepresentation[] = [
  { id: 'd', name: 'Defaults', identityProviderMapper: 'bms-employee-defaults', config: { 'bms.account': 'Contoso MSP', 'bms.department': 'Service Desk', 'bms.location': 'Head Office', 'bms.job.title': 'Technician', 'bms.employment.type': 'Full Time', 'bms.security.role': 'Read Only', 'bms.employee.role': 'Engineer' } },
  { id: 'r', name: 'Techs', identityProviderMapper: 'bms-mapping-rule', config: { 'bms.order': '20', 'bms.match.group': 'BMS-Techs', 'bms.security.role': 'Technician' } },
];
const ada = { id: 'u1', username: 'ada', email: 'ada@contoso.com', attributes: { upn: ['Ada@contoso.com'], ad_domain: ['contoso.com'], ad_groups: ['CN=BMS-Techs,OU=Groups,DC=contoso,DC=com'] } };
const source: PreviewSource = {
  rules: async () => parseRuleSet('passly', mappers),
  status: async () => undefined,
  user: async (id) => (id === 'u1' ? ada : undefined),
  userByEmail: async (email) => (email === 'ada@contoso.com' ? ada : undefined),
};

describe('preview', () => {
  test('by Keycloak id: the decision, the winning rule and the fields, from the user\'s imported attributes', async () => {
    const result = await preview(source, { userId: 'u1' });
    expect(result.facts).toEqual({ username: 'ada', email: 'ada@contoso.com', upn: 'Ada@contoso.com', domain: 'contoso.com', groups: ['CN=BMS-Techs,OU=Groups,DC=contoso,DC=com'] });
    expect(result.decision).toMatchObject({ outcome: 'provision', rule: { name: 'Techs' }, fields: { securityRole: 'Technician', department: 'Service Desk' } });
  });

  test('by e-mail, and for a hand-written attribute set (nulls as a sign-in sends them)', async () => {
    expect((await preview(source, { email: 'ada@contoso.com' })).decision.outcome).toBe('provision');
    expect((await preview(source, { facts: { groups: ['BMS-Techs'], email: null, upn: null, domain: null } })).decision.outcome).toBe('provision');
    expect((await preview(source, { facts: { groups: ['Other'], upn: 'x@contoso.com' } })).decision).toMatchObject({ outcome: 'deny', reason: 'no rule matched and the policy is deny' });
  });

  test('an unknown user is an error that says so', async () => {
    await expect(preview(source, { email: 'nobody@contoso.com' })).rejects.toThrow('no Keycloak user with e-mail nobody@contoso.com');
  });
});

test('preview says what a sign-in would: a rule set with a problem decides "unusable"', async () => {
  const broken = { ...source, rules: async () => ({ ...parseRuleSet('passly', mappers), problems: ["rule 'Techs': BMS has no security role named 'Wizard'"] }) };
  const result = await preview(broken, { userId: 'u1' });
  expect(result.decision.outcome).toBe('unusable');
  expect(result.rulesProblems).toEqual(["rule 'Techs': BMS has no security role named 'Wizard'"]);
});

test('preview shows a broken latest load while the last good set answers, as /readyz does (review finding 7)', async () => {
  const status = "rule 'Techs': BMS has no security role named 'Wizard'; the rule set loaded at 2026-11-29T20:00:00.000Z stays in force until this is fixed";
  const result = await preview({ ...source, status: async () => status }, { userId: 'u1' });
  expect(result).toMatchObject({ decision: { outcome: 'provision' }, rulesProblems: [], rulesStatus: status });
});
