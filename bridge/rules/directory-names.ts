/**
 * The forms Active Directory names come in, as Passly sends them: a plain group name (`BMS-Techs`), a distinguished
 * name (`CN=BMS-Techs,OU=Groups,DC=contoso,DC=com`, RFC 4514), a NetBIOS-qualified name (`CONTOSO\BMS-Techs`); and
 * domains in DNS (`contoso.com`) or NetBIOS (`CONTOSO`) form. Names compare after Unicode NFC and locale-independent
 * case folding, so `Zoë` typed and `Zoë` decomposed, or `STRASSE` and `straße`, are one name.
 */

/** Unicode NFC, then full case folding (`ß` → `ss`) without the user's locale (no Turkish dotless i surprises). */
export function fold(value: string): string {
  return value.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC').trim();
}

/** One attribute-value assertion of an RDN, type upper-cased, value unescaped. */
export interface Ava {
  type: string;
  value: string;
}

/** `keys`: computed once per parsed group (parsed groups are cached by text, so once per distinct group) */
export type GroupName = (
  | { form: 'dn'; rdns: Ava[][]; name: string; canonical: string }
  | { form: 'netbios'; domain: string; name: string }
  | { form: 'plain'; name: string }
) & { keys?: string[] };

/** Parsed group values by text: the same groups come with every sign-in (bounded; cleared when full). */
const parsedCache = new Map<string, GroupName>();
const CACHE_LIMIT = 50_000;

/** A group value in whichever form it is written; `name` is what a bare-name rule compares (folded). */
export function parseGroup(value: string): GroupName {
  let parsed = parsedCache.get(value);
  if (!parsed) {
    if (parsedCache.size >= CACHE_LIMIT) parsedCache.clear();
    parsed = parseGroupUncached(value);
    parsedCache.set(value, parsed);
  }
  return parsed;
}

/**
 * The keys under which a group can be found by a rule (see groupMatches): `n:` its name, `d:` its canonical DN, `b:` its
 * NetBIOS domain and name. A rule's own group has exactly one key; a user's group has all that apply.
 */
export function userGroupKeys(group: GroupName): string[] {
  return (group.keys ??= computeKeys(group));
}

function computeKeys(group: GroupName): string[] {
  switch (group.form) {
    case 'plain':
      return [`n:${group.name}`];
    case 'netbios':
      return [`n:${group.name}`, `b:${group.domain}\\${group.name}`];
    case 'dn': {
      const dc = group.rdns.flat().find((a) => a.type === 'DC');
      return [`n:${group.name}`, `d:${group.canonical}`, ...(dc ? [`b:${fold(dc.value)}\\${group.name}`] : [])];
    }
  }
}

/** The one key a rule's group is found under. */
export function ruleGroupKey(group: GroupName): string {
  switch (group.form) {
    case 'plain':
      return `n:${group.name}`;
    case 'netbios':
      return `b:${group.domain}\\${group.name}`;
    case 'dn':
      return `d:${group.canonical}`;
  }
}

function parseGroupUncached(value: string): GroupName {
  const dn = parseDn(value);
  if (dn) {
    const first = dn[0];
    const cn = first.find((a) => a.type === 'CN') ?? first[0];
    return { form: 'dn', rdns: dn, name: fold(cn.value), canonical: canonicalDn(dn) };
  }
  const slash = value.indexOf('\\');
  if (slash > 0 && slash === value.lastIndexOf('\\') && slash < value.length - 1) {
    return { form: 'netbios', domain: fold(value.slice(0, slash)), name: fold(value.slice(slash + 1)) };
  }
  return { form: 'plain', name: fold(value) };
}

/**
 * Whether a user's group satisfies a rule's group: a rule written as a bare name matches any form with that name; a
 * rule written as a DN matches that DN only (anyone can create a group with the same CN elsewhere); a rule written
 * `DOMAIN\name` matches that name in that NetBIOS domain, or a DN with that CN whose first DC is the domain.
 */
export function groupMatches(rule: GroupName, user: GroupName): boolean {
  switch (rule.form) {
    case 'plain':
      return user.name === rule.name;
    case 'dn':
      return user.form === 'dn' && user.canonical === rule.canonical;
    case 'netbios':
      if (user.form === 'netbios') return user.domain === rule.domain && user.name === rule.name;
      if (user.form === 'dn') return user.name === rule.name && fold(user.rdns.flat().find((a) => a.type === 'DC')?.value ?? '') === rule.domain;
      return false;
  }
}

/** RFC 4514: RDNs split at unescaped `,` (or `;`), AVAs at unescaped `+`; undefined when the text is not a DN. */
export function parseDn(text: string): Ava[][] | undefined {
  if (!/^\s*[A-Za-z][\w-]*\s*=|^\s*\d+(\.\d+)*\s*=/.test(text)) return undefined;
  const rdns: Ava[][] = [];
  let avas: Ava[] = [];
  let type = '';
  let value: number[] = [];
  let inValue = false;
  let trailingSpaces = 0;
  const bytes = Buffer.from(text.trim(), 'utf8');
  const push = (): boolean => {
    if (!type) return false;
    const raw = value.slice(0, value.length - trailingSpaces);
    avas.push({ type: type.trim().toUpperCase(), value: Buffer.from(raw).toString('utf8') });
    type = '';
    value = [];
    inValue = false;
    trailingSpaces = 0;
    return true;
  };
  for (let i = 0; i < bytes.length; i++) {
    const c = String.fromCharCode(bytes[i]);
    if (!inValue) {
      if (c === '=') inValue = true;
      else type += c;
      continue;
    }
    if (c === '\\') {
      const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        value.push(parseInt(hex, 16));
        i += 2;
      } else if (i + 1 < bytes.length) value.push(bytes[++i]);
      trailingSpaces = 0;
      continue;
    }
    if (c === ',' || c === ';' || c === '+') {
      if (!push()) return undefined;
      if (c !== '+') {
        rdns.push(avas);
        avas = [];
      }
      continue;
    }
    if (c === ' ' && value.length === 0) continue; // unescaped leading spaces are not part of the value
    value.push(bytes[i]);
    trailingSpaces = c === ' ' ? trailingSpaces + 1 : 0;
  }
  if (!push()) return undefined;
  rdns.push(avas);
  return rdns.every((r) => r.every((a) => /^([A-Z][A-Z0-9-]*|\d+(\.\d+)*)$/.test(a.type))) ? rdns : undefined;
}

/** A DN in one spelling: types upper-case, values folded, the AVAs of a multi-valued RDN in order. */
function canonicalDn(rdns: Ava[][]): string {
  return rdns.map((rdn) => rdn.map((a) => `${a.type}=${fold(a.value)}`).sort().join('+')).join(',');
}

/**
 * Every form of the user's domain the facts give, folded: the `Domain` attribute (DNS or NetBIOS), the UPN suffix and
 * the e-mail domain. `pairs` (NetBIOS → DNS, folded) adds the other form of each where an admin listed it.
 */
export function domainForms(facts: { domain?: string | null; upn?: string | null; email?: string | null }, pairs: ReadonlyMap<string, string> = new Map()): Set<string> {
  const forms = new Set<string>();
  const suffix = (value: string | null | undefined): string | undefined => {
    const at = value?.lastIndexOf('@') ?? -1;
    return value && at >= 0 && at < value.length - 1 ? value.slice(at + 1) : undefined;
  };
  for (const value of [facts.domain ?? undefined, suffix(facts.upn), suffix(facts.email)]) {
    const folded = value ? fold(value) : '';
    if (!folded) continue;
    forms.add(folded);
    for (const [netbios, dns] of pairs) {
      if (folded === netbios) forms.add(dns);
      if (folded === dns) forms.add(netbios);
    }
  }
  return forms;
}

/**
 * Whether a rule's domain, in either form, names one of the user's domain forms. Without an explicit pair, a NetBIOS
 * name pairs with the DNS domain whose first label it is (`FABRIKAM` ↔ `fabrikam.com`), AD's default.
 */
export function domainMatches(ruleDomain: string, forms: ReadonlySet<string>): boolean {
  const wanted = fold(ruleDomain);
  if (forms.has(wanted)) return true;
  const netbios = (f: string): boolean => !f.includes('.');
  const label = (f: string): string => f.split('.')[0];
  if (netbios(wanted)) return [...forms].some((f) => !netbios(f) && label(f) === wanted);
  return [...forms].some((f) => netbios(f) && f === label(wanted));
}
