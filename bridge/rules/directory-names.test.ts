import { domainForms, domainMatches, fold, groupMatches, parseDn, parseGroup, ruleGroupKey, userGroupKeys } from './directory-names';

describe('names compare after NFC and locale-independent case folding', () => {
  test.each([
    ['Zo\u00eb', 'Zoe\u0308'],
    ['STRASSE', 'stra\u00dfe'],
    ['BMS-Techs', ' bms-techs '],
  ])('%s = %s', (a, b) => expect(fold(a)).toBe(fold(b)));
});

describe('RFC 4514 distinguished names', () => {
  test.each<[string, string[][]]>([
    ['CN=BMS-Techs,OU=Groups,DC=contoso,DC=com', [['CN=BMS-Techs'], ['OU=Groups'], ['DC=contoso'], ['DC=com']]],
    ['cn = BMS-Techs , ou=Groups', [['CN=BMS-Techs'], ['OU=Groups']]],
    ['CN=Smith\\2C John,OU=Groups', [['CN=Smith, John'], ['OU=Groups']]],
    ['CN=Smith\\, John,OU=Groups', [['CN=Smith, John'], ['OU=Groups']]],
    ['CN=Zo\\C3\\AB,OU=People', [['CN=Zo\u00eb'], ['OU=People']]],
    ['CN=Admins+OU=IT,DC=contoso', [['CN=Admins', 'OU=IT'], ['DC=contoso']]],
    ['CN=\\ leading and trailing\\ ,DC=x', [['CN= leading and trailing '], ['DC=x']]],
  ])('%s', (text, expected) => {
    expect(parseDn(text)?.map((rdn) => rdn.map((a) => `${a.type}=${a.value}`))).toEqual(expected);
  });

  test.each(['BMS-Techs', 'CONTOSO\\BMS-Techs', 'Lovelace (Contractor)', 'a=b=c with spaces in type x y=z,'])('%s is not a DN', (text) => {
    expect(parseGroup(text).form).not.toBe('dn');
  });
});

describe('which user groups a rule group matches', () => {
  const admins = 'CN=BMS-Admins,OU=Groups,DC=contoso,DC=com';
  test.each<[string, string, boolean]>([
    ['BMS-Techs', 'BMS-Techs', true],
    ['BMS-Techs', 'CONTOSO\\BMS-Techs', true], // failure 1 of issue 11
    ['BMS-Techs', 'CN=BMS-Techs,OU=Groups,DC=contoso,DC=com', true],
    ['bms-techs', 'CN=BMS-TECHS,OU=Groups,DC=contoso,DC=com', true],
    [admins, admins, true],
    [admins, 'cn=bms-admins, ou=groups, dc=CONTOSO, dc=com', true],
    [admins, 'CN=BMS-Admins,OU=Partners,DC=example,DC=org', false], // failure 3: a DN rule matches that DN only
    [admins, 'bms-admins', false],
    [admins, 'CONTOSO\\BMS-Admins', false],
    ['Smith, John', 'CN=Smith\\2C John,OU=Groups,DC=contoso,DC=com', true], // failure 4: hex escapes
    ['Admins', 'CN=Admins+OU=IT,DC=contoso', true], // multi-valued RDN: its CN
    ['Zo\u00eb', 'CN=Zoe\u0308,OU=People', true], // NFC
    ['CONTOSO\\BMS-Techs', 'contoso\\bms-techs', true],
    ['CONTOSO\\BMS-Techs', 'FABRIKAM\\BMS-Techs', false],
    ['CONTOSO\\BMS-Techs', 'CN=BMS-Techs,OU=Groups,DC=contoso,DC=com', true],
    ['CONTOSO\\BMS-Techs', 'CN=BMS-Techs,OU=Groups,DC=fabrikam,DC=com', false],
    ['CONTOSO\\BMS-Techs', 'BMS-Techs', false],
  ])('rule %s, user group %s → %s', (rule, user, expected) => {
    expect(groupMatches(parseGroup(rule), parseGroup(user))).toBe(expected);
    // the index evaluation uses: the rule's key is among the user's group keys exactly when they match
    expect(userGroupKeys(parseGroup(user)).includes(ruleGroupKey(parseGroup(rule)))).toBe(expected);
  });
});

describe('domain forms', () => {
  test('every form the facts give, folded', () => {
    expect([...domainForms({ domain: 'FABRIKAM', upn: 'ada@Fabrikam.com', email: 'ada@mail.fabrikam.com' })]).toEqual(['fabrikam', 'fabrikam.com', 'mail.fabrikam.com']);
  });
  test.each<[string, { domain?: string; upn?: string; email?: string }, boolean]>([
    ['fabrikam.com', { domain: 'FABRIKAM' }, true], // failure 2: NetBIOS Domain, DNS rule
    ['FABRIKAM', { upn: 'ada@fabrikam.com' }, true],
    ['fabrikam.com', { domain: 'CONTOSO', upn: 'ada@fabrikam.com' }, true], // any form
    ['fabrikam.com', { domain: 'CONTOSO', upn: 'ada@contoso.com' }, false],
    ['fabrikam.com', { upn: 'ada@fabrikam.co.uk' }, false], // DNS forms never pair with each other
    ['contoso.com', { domain: 'FABRIKAM' }, false],
  ])('rule %s, user %j → %s', (rule, facts, expected) => expect(domainMatches(rule, domainForms(facts))).toBe(expected));

  test('an explicit NetBIOS ↔ DNS pair where the names differ', () => {
    const pairs = new Map([['corp', 'contoso.com']]);
    expect(domainMatches('contoso.com', domainForms({ domain: 'CORP' }, pairs))).toBe(true);
    expect(domainMatches('contoso.com', domainForms({ domain: 'CORP' }))).toBe(false);
  });
});
