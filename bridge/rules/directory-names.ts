/**
 * The forms Active Directory names come in, as Passly sends them: a plain group name (`BMS-Techs`), a distinguished
 * name (`CN=BMS-Techs,OU=Groups,DC=contoso,DC=com`, RFC 4514), a NetBIOS-qualified name (`CONTOSO\BMS-Techs`); and
 * domains in DNS (`contoso.com`) or NetBIOS (`CONTOSO`) form. Names compare after Unicode NFC and locale-independent
 * case folding, so `Zoë` typed and `Zoë` decomposed, or `STRASSE` and `straße`, are one name.
 */

/**
 * Unicode NFC, then locale-independent case folding (`ß` → `ss`, the long `ſ` → `s`, as Unicode's CaseFolding.txt).
 * The Turkish dotless `ı` stays itself: JavaScript's upper-casing turns it into `I`, which Unicode folding does not.
 * Nothing is trimmed: in a DN an escaped space is part of the name; callers trim what their form allows.
 */
export function fold(value: string): string {
  return value
    .normalize('NFC')
    .split('\u0131')
    .map((part) => part.toUpperCase().toLowerCase())
    .join('\u0131')
    .normalize('NFC');
}

/** One attribute-value assertion of an RDN, type upper-cased, value unescaped. */
export interface Ava {
  type: string;
  value: string;
}

/** A group as written: `name` is what a bare-name rule compares (folded); a DN's `dns` is its DC labels joined by dots. */
export type GroupName =
  | { form: 'dn'; rdns: Ava[][]; name: string; canonical: string; dns?: string }
  | { form: 'netbios'; domain: string; name: string }
  | { form: 'plain'; name: string };

/** Parsed group values by text: the same groups come with every sign-in (bounded; cleared when full). */
const parsedCache = new Map<string, GroupName>();
const CACHE_LIMIT = 50_000;

/** A group value in whichever form it is written. */
export function parseGroup(value: string): GroupName {
  let parsed = parsedCache.get(value);
  if (!parsed) {
    if (parsedCache.size >= CACHE_LIMIT) parsedCache.clear();
    parsed = parseGroupUncached(value);
    parsedCache.set(value, parsed);
  }
  return parsed;
}

function parseGroupUncached(value: string): GroupName {
  const dn = parseDn(value);
  if (dn) {
    const cn = dn[0].find((a) => a.type === 'CN') as Ava;
    const dcs = dn.flat().filter((a) => a.type === 'DC').map((a) => fold(a.value));
    return { form: 'dn', rdns: dn, name: fold(cn.value), canonical: canonicalDn(dn), ...(dcs.length ? { dns: dcs.join('.') } : {}) };
  }
  const text = value.trim();
  const slash = text.indexOf('\\');
  if (slash > 0 && slash === text.lastIndexOf('\\') && slash < text.length - 1) {
    return { form: 'netbios', domain: fold(text.slice(0, slash).trim()), name: fold(text.slice(slash + 1).trim()) };
  }
  return { form: 'plain', name: fold(text) };
}

/**
 * The NetBIOS ↔ DNS pairing of domains. An admin's pairs (`bms.domain.pairs`, folded) are the truth for every name they
 * mention; for others, a NetBIOS name pairs with the DNS domain whose first label it is (AD's default, `FABRIKAM` ↔
 * `fabrikam.com`). Listing `CONTOSO=contoso.com` therefore also stops `CONTOSO` pairing with `contoso.evil.org`.
 */
export class DomainPairs {
  private readonly dnsOf = new Map<string, string[]>();
  private readonly netbiosOf = new Map<string, string[]>();

  constructor(pairs: ReadonlyMap<string, string> = new Map()) {
    for (const [netbios, dns] of pairs) {
      this.dnsOf.set(netbios, [...(this.dnsOf.get(netbios) ?? []), dns]);
      this.netbiosOf.set(dns, [...(this.netbiosOf.get(dns) ?? []), netbios]);
    }
  }

  /** Whether NetBIOS `netbios` and DNS `dns` (both folded) name one domain. */
  same(netbios: string, dns: string): boolean {
    const listed = this.dnsOf.get(netbios);
    if (listed) return listed.includes(dns);
    if (this.netbiosOf.has(dns)) return false;
    return dns.split('.')[0] === netbios;
  }

  /** The NetBIOS names of DNS domain `dns` (folded): the listed ones, else the first label unless that name is listed elsewhere. */
  netbiosNames(dns: string): string[] {
    const listed = this.netbiosOf.get(dns);
    if (listed) return listed;
    const label = dns.split('.')[0];
    return this.same(label, dns) ? [label] : [];
  }
}

/** A user's groups' keys, per pairing: the keys depend on it (a DN's NetBIOS names). */
const userKeyCache = new WeakMap<DomainPairs, Map<string, string[]>>();

/**
 * The keys under which a user's group is found by a rule (see groupMatches): `n:` its name; `p:` its name when written
 * plainly (no domain: a deny rule in any form matches it); `d:` its canonical DN; `b:` a NetBIOS domain and its name.
 */
export function userGroupKeys(text: string, pairs: DomainPairs): string[] {
  let cache = userKeyCache.get(pairs);
  if (!cache) userKeyCache.set(pairs, (cache = new Map()));
  let keys = cache.get(text);
  if (!keys) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    const group = parseGroup(text);
    switch (group.form) {
      case 'plain':
        keys = [`n:${group.name}`, `p:${group.name}`];
        break;
      case 'netbios':
        keys = [`n:${group.name}`, `b:${group.domain}\\${group.name}`];
        break;
      case 'dn':
        keys = [`n:${group.name}`, `d:${group.canonical}`, ...(group.dns ? pairs.netbiosNames(group.dns).map((nb) => `b:${nb}\\${group.name}`) : [])];
    }
    cache.set(text, keys);
  }
  return keys;
}

/**
 * The keys a rule's group is found under. A provision rule matches exactly what it names: a bare name any form with that
 * name; a DN that DN only (anyone can create a group with the same CN elsewhere); `DOMAIN\name` that name in that domain
 * (NetBIOS-qualified, or a DN under that domain). A deny rule also matches the forms that cannot prove they are another
 * group: a plain name, and (for a DN) that name in the DN's NetBIOS domain; a formatting detail never turns a deny into a
 * provision.
 */
export function ruleGroupKeys(text: string, effect: 'provision' | 'deny', pairs: DomainPairs): string[] {
  const group = parseGroup(text);
  const deny = effect === 'deny';
  switch (group.form) {
    case 'plain':
      return [`n:${group.name}`];
    case 'netbios':
      return [`b:${group.domain}\\${group.name}`, ...(deny ? [`p:${group.name}`] : [])];
    case 'dn':
      return [`d:${group.canonical}`, ...(deny ? [`p:${group.name}`, ...(group.dns ? pairs.netbiosNames(group.dns).map((nb) => `b:${nb}\\${group.name}`) : [])] : [])];
  }
}

/** Whether a user's group satisfies a rule's group (the semantics of ruleGroupKeys and userGroupKeys, for one pair). */
export function groupMatches(rule: string, user: string, effect: 'provision' | 'deny' = 'provision', pairs = new DomainPairs()): boolean {
  const keys = new Set(userGroupKeys(user, pairs));
  return ruleGroupKeys(rule, effect, pairs).some((k) => keys.has(k));
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
      } else if (i + 1 < bytes.length && ESCAPABLE.includes(String.fromCharCode(bytes[i + 1]))) value.push(bytes[++i]);
      else return undefined; // a lone or unknown escape: not a DN
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
  // a group's DN names the group (a CN first) and where it lives: `Role=Admin` alone is a plain name with an '='
  if (rdns.length < 2 || !rdns[0].some((a) => a.type === 'CN')) return undefined;
  return rdns.every((r) => r.every((a) => /^([A-Z][A-Z0-9-]*|\d+(\.\d+)*)$/.test(a.type))) ? rdns : undefined;
}

/** RFC 4514's characters a backslash may escape (besides two hex digits). */
const ESCAPABLE = ' "#+,;<=>\\';

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
  for (const value of [facts.domain ?? undefined, suffix(facts.upn?.trim()), suffix(facts.email?.trim())]) {
    const folded = value ? fold(value.trim()) : '';
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
 * Whether a rule's domain, in either form, names one of the user's domain forms: the same name, or a NetBIOS name and a
 * DNS name that `pairs` says are one domain.
 */
export function domainMatches(ruleDomain: string, forms: ReadonlySet<string>, pairs = new DomainPairs()): boolean {
  const wanted = fold(ruleDomain.trim());
  if (forms.has(wanted)) return true;
  const netbios = (f: string): boolean => !f.includes('.');
  if (netbios(wanted)) return [...forms].some((f) => !netbios(f) && pairs.same(wanted, f));
  return [...forms].some((f) => netbios(f) && pairs.same(f, wanted));
}
