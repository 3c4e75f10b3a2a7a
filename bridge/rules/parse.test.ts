import { DEFAULT_SYNC } from '../converge/model';
import { parseRuleSet } from './parse';

const defaults = (config: Record<string, string>) =>
  parseRuleSet('passly', [{ id: 'd', name: 'Defaults', identityProviderMapper: 'bms-employee-defaults', config: { 'bms.account': 'Contoso', ...config } }]);

describe('the update and rehire policies on the defaults mapper', () => {
  test.each<[string, Record<string, string>, string[], string]>([
    ['unset: the default', {}, [...DEFAULT_SYNC], 'reactivate'],
    ['blank (a list cleared in the console): the default', { 'bms.sync.fields': '' }, [...DEFAULT_SYNC], 'reactivate'],
    ['some fields, as Keycloak stores a multivalued list', { 'bms.sync.fields': 'names##department', 'bms.rehire.policy': 'deny' }, ['names', 'department'], 'deny'],
    ['none alone: every field create only', { 'bms.sync.fields': 'none' }, [], 'reactivate'],
  ])('%s', (_what, config, sync, rehire) => {
    const set = defaults(config);
    expect(set.problems).toEqual([]);
    expect([...(set.defaults?.policies.sync ?? [])].sort()).toEqual([...sync].sort());
    expect(set.defaults?.policies.rehire).toBe(rehire);
  });

  test('an unknown field, none with others, or an unknown rehire policy make the rule set unusable, naming the problem', () => {
    expect(defaults({ 'bms.sync.fields': 'names##phone' }).problems).toEqual([expect.stringContaining("unknown fields 'phone'")]);
    expect(defaults({ 'bms.sync.fields': 'none##names' }).problems).toEqual([expect.stringContaining("'none' with other fields")]);
    expect(defaults({ 'bms.rehire.policy': 'sometimes' }).problems).toEqual([expect.stringContaining("'Rehire' is 'sometimes'")]);
  });
});

describe('NetBIOS and DNS domain pairs on the defaults mapper', () => {
  test('pairs are read folded; a malformed one makes the set unusable with a sentence saying the form', () => {
    expect([...(defaults({ 'bms.domain.pairs': 'CORP=Contoso.com##LEGACY=fabrikam.co.uk' }).defaults?.domainPairs ?? [])]).toEqual([['corp', 'contoso.com'], ['legacy', 'fabrikam.co.uk']]);
    expect(defaults({ 'bms.domain.pairs': 'contoso.com=CORP' }).problems).toEqual([expect.stringContaining("has 'contoso.com=CORP'; write each pair as NETBIOS=dns.domain")]);
  });
});
