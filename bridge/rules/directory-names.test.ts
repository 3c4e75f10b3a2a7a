import { DomainPairs, domainForms, domainMatches, fold, groupMatches, parseDn, parseGroup } from './directory-names';

describe('names compare after NFC and locale-independent case folding', () => {
  test.each([
    ['Zo\u00eb', 'Zoe\u0308'],
    ['STRASSE', 'stra\u00dfe'],
    ['Groupſ', 'groups'], // the long s folds to s (Unicode CaseFolding.txt)
  ])('%s = %s', (a, b) => expect(fold(a)).toBe(fold(b)));

  test.each([
    ['BMS-Admıns', 'BMS-Admins'], // the Turkish dotless i is its own letter (review finding 3)
    ['Groups\u00a0', 'Groups'], // nothing is trimmed: an escaped space in a DN is part of the name
    ['\ufeffGroups', 'Groups'],
  ])('%j ≠ %j', (a, b) => expect(fold(a)).not.toBe(fold(b)));
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

  test.each([
    'BMS-Techs',
    'CONTOSO\\BMS-Techs',
    'Lovelace (Contractor)',
    'a=b=c with spaces in type x y=z,',
    'Role=Admin', // one RDN, no CN: a plain name with an '=' (review finding 9)
    'X=BMS-Admins,OU=Groups', // no CN first
    'CN=BMS-Admins,DC=com\\', // a lone backslash at the end
    'CN=BMS\\zzAdmins,DC=com', // an escape RFC 4514 does not have
    'CN=BMS-Admins\\2,DC=com', // half a hex escape
  ])('%s is not a DN', (text) => {
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
    [admins, 'CN=BMS-Admins,OU=Groups\\20,DC=contoso,DC=com', false], // an escaped space is part of the name (review finding 3)
    [admins, 'CN=BMS-Admins,OU=Groups\\C2\\A0,DC=contoso,DC=com', false],
    [admins, 'CN=BMS-Admins\\EF\\BB\\BF,OU=Groups,DC=contoso,DC=com', false],
    [admins, 'CN=BMS-Admıns,OU=Groups,DC=contoso,DC=com', false],
    [admins, 'CN=BMS-Admins,OU=Groups,DC=contoso,DC=com\\', false],
    ['BMS-Admins', 'BMS-Admıns', false],
    ['Smith, John', 'CN=Smith\\2C John,OU=Groups,DC=contoso,DC=com', true], // failure 4: hex escapes
    ['Admins', 'CN=Admins+OU=IT,DC=contoso', true], // multi-valued RDN: its CN
    ['Zo\u00eb', 'CN=Zoe\u0308,OU=People', true], // NFC
    ['CONTOSO\\BMS-Techs', 'contoso\\bms-techs', true],
    ['CONTOSO\\BMS-Techs', 'FABRIKAM\\BMS-Techs', false],
    ['CONTOSO\\BMS-Techs', 'CN=BMS-Techs,OU=Groups,DC=contoso,DC=com', true],
    ['CONTOSO\\BMS-Techs', 'CN=BMS-Techs,OU=Groups,DC=fabrikam,DC=com', false],
    ['CONTOSO\\BMS-Techs', 'BMS-Techs', false],
    ['BMS-Admins', 'X=BMS-Admins,OU=Groups', false], // not a DN: a plain name with '=' (review finding 9)
  ])('provision rule %s, user group %s → %s', (rule, user, expected) => {
    expect(groupMatches(rule, user, 'provision')).toBe(expected);
  });

  // review finding 5: a formatting detail never turns a deny into a provision; a proven other group is still other
  test.each<[string, string, boolean]>([
    [admins, 'BMS-Admins', true],
    [admins, 'CONTOSO\\BMS-Admins', true],
    [admins, 'FABRIKAM\\BMS-Admins', false],
    [admins, 'CN=BMS-Admins,OU=Partners,DC=example,DC=org', false],
    ['CONTOSO\\BMS-Sales', 'BMS-Sales', true],
    ['CONTOSO\\BMS-Sales', 'FABRIKAM\\BMS-Sales', false],
    ['BMS-Sales', 'CN=BMS-Sales,OU=x,DC=fabrikam,DC=com', true],
  ])('deny rule %s, user group %s → %s', (rule, user, expected) => {
    expect(groupMatches(rule, user, 'deny')).toBe(expected);
  });

  test('listed pairs reach groups too: a CORP\\ rule matches a DN under contoso.com (review finding 1)', () => {
    const pairs = new DomainPairs(new Map([['corp', 'contoso.com']]));
    expect(groupMatches('CORP\\BMS-Sales', 'CN=BMS-Sales,OU=Groups,DC=contoso,DC=com', 'deny', pairs)).toBe(true);
    expect(groupMatches('CORP\\BMS-Sales', 'CN=BMS-Sales,OU=Groups,DC=contoso,DC=com', 'provision', pairs)).toBe(true);
    expect(groupMatches('CORP\\BMS-Sales', 'CN=BMS-Sales,OU=Groups,DC=contoso,DC=com', 'provision')).toBe(false);
  });

  test('a listed pair is the truth for its names: CONTOSO no longer pairs with contoso.evil.org (review finding 4)', () => {
    const guessed = new DomainPairs();
    const listed = new DomainPairs(new Map([['contoso', 'contoso.com']]));
    const evil = 'CN=BMS-Admins,OU=x,DC=contoso,DC=evil,DC=org';
    expect(groupMatches('CONTOSO\\BMS-Admins', evil, 'provision', guessed)).toBe(true); // AD's default guess, documented
    expect(groupMatches('CONTOSO\\BMS-Admins', evil, 'provision', listed)).toBe(false);
    expect(domainMatches('CONTOSO', domainForms({ upn: 'a@contoso.evil.org' }), listed)).toBe(false);
    expect(domainMatches('CONTOSO', domainForms({ upn: 'a@contoso.com' }), listed)).toBe(true);
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
    expect(domainMatches('contoso.com', domainForms({ domain: 'CORP' }, pairs), new DomainPairs(pairs))).toBe(true);
    expect(domainMatches('contoso.com', domainForms({ domain: 'CORP' }))).toBe(false);
  });
});
