/**
 * The randomised convergence test's oracle: what BMS must hold, computed from Keycloak's users alone with the
 * shipped rules (README, "Rule semantics, with the shipped examples" and keycloak-realm.json), written here
 * independently of the bridge's own rule code so that a bug there cannot hide itself.
 */

/** A Keycloak user as the admin API returns it (only what the oracle reads). */
export interface KeycloakUserFacts {
  id: string;
  username: string;
  email: string | null;
  enabled: boolean;
  firstName: string | null;
  lastName: string | null;
  upn: string | null;
  /** the `ad_domain` attribute */
  domain: string | null;
  /** the `ad_groups` attribute */
  groups: string[];
  /** for the diff only, never for the verdict */
  attributes?: Record<string, string[] | undefined>;
}

/** A BMS employee as the emulator's store holds it (only what the oracle reads). */
export interface EmployeeFacts {
  id: number;
  userName: string;
  emailAddress: string;
  firstName: string;
  lastName: string;
  securityRoleId: number;
  isActive: boolean;
}

export type Decision = { outcome: 'provision'; rule: string; securityRole: string } | { outcome: 'deny'; rule: string | null };

interface ShippedRule {
  order: number;
  name: string;
  group: string;
  domain?: string;
  effect: 'provision' | 'deny';
  /** the rule's security role; the defaults' `Read Only` when the rule sets none */
  securityRole?: string;
}

/** keycloak-realm.json's rules; the defaults mapper's no-match policy is `deny`. */
const SHIPPED_RULES: ShippedRule[] = [
  { order: 10, name: 'Rule 10: deny Fabrikam sales', group: 'BMS-Sales', domain: 'fabrikam.com', effect: 'deny' },
  { order: 20, name: 'Rule 20: technicians', group: 'BMS-Techs', effect: 'provision', securityRole: 'Technician' },
  { order: 30, name: 'Rule 30: dispatch', group: 'BMS-Dispatch', effect: 'provision', securityRole: 'Dispatcher' },
  { order: 40, name: 'Rule 40: administrators', group: 'BMS-Admins', effect: 'provision', securityRole: 'Administrator' },
];
const DEFAULT_SECURITY_ROLE = 'Read Only';

const lower = (s: string): string => s.trim().toLowerCase();

/** A group sent as a distinguished name (`CN=BMS-Admins,OU=…`) counts as its CN. */
function groupName(value: string): string {
  const cn = /^\s*cn=([^,]+)/i.exec(value);
  return lower(cn ? cn[1] : value);
}

/** `Domain`, else the UPN's suffix, else the e-mail's domain. */
function domainOf(user: Pick<KeycloakUserFacts, 'domain' | 'upn' | 'email'>): string | null {
  if (user.domain?.trim()) return lower(user.domain);
  const after = (s: string | null): string | null => (s && s.includes('@') ? lower(s.slice(s.lastIndexOf('@') + 1)) : null);
  return after(user.upn) ?? after(user.email);
}

/** The shipped rules' decision for a user's facts: the lowest matching order wins; no match → deny (policy). */
export function decide(user: Pick<KeycloakUserFacts, 'domain' | 'upn' | 'email' | 'groups'>): Decision {
  const groups = new Set(user.groups.map(groupName));
  const domain = domainOf(user);
  const winner = [...SHIPPED_RULES]
    .sort((a, b) => a.order - b.order)
    .find((r) => groups.has(lower(r.group)) && (r.domain === undefined || domain === lower(r.domain)));
  if (!winner) return { outcome: 'deny', rule: null };
  if (winner.effect === 'deny') return { outcome: 'deny', rule: winner.name };
  return { outcome: 'provision', rule: winner.name, securityRole: winner.securityRole ?? DEFAULT_SECURITY_ROLE };
}

export interface OracleInput {
  /** every e-mail address the run ever gave a user */
  emails: string[];
  /** every Keycloak user of the realm, read at the end */
  users: KeycloakUserFacts[];
  /** Keycloak user ids that signed in to BMS at least once (so they asked for an employee) */
  signedIn: ReadonlySet<string>;
  /** every BMS employee */
  employees: EmployeeFacts[];
  /** BMS security role id → name */
  roleName(id: number): string;
}

/** What one e-mail address should have in BMS. */
export type Expectation =
  | { kind: 'active'; user: KeycloakUserFacts; securityRole: string; rule: string }
  | { kind: 'none-active'; why: string };

export function expectationFor(email: string, users: KeycloakUserFacts[], signedIn: ReadonlySet<string>): Expectation {
  const holders = users.filter((u) => u.email && lower(u.email) === lower(email));
  if (holders.length === 0) return { kind: 'none-active', why: 'no Keycloak user has this e-mail' };
  const [user] = holders;
  if (!user.enabled) return { kind: 'none-active', why: `Keycloak user ${user.id} is disabled` };
  if (!signedIn.has(user.id)) return { kind: 'none-active', why: `Keycloak user ${user.id} never signed in to BMS` };
  const decision = decide(user);
  if (decision.outcome === 'deny') return { kind: 'none-active', why: `the rules deny Keycloak user ${user.id} (${decision.rule ?? 'no rule matches, policy deny'})` };
  return { kind: 'active', user, securityRole: decision.securityRole, rule: decision.rule };
}

const show = (e: EmployeeFacts, roleName: (id: number) => string): string =>
  `#${e.id} ${e.isActive ? 'ACTIVE' : 'inactive'} ${JSON.stringify(`${e.firstName} ${e.lastName}`)} <${e.emailAddress}> role ${roleName(e.securityRoleId)} userName ${e.userName}`;

/**
 * Every way BMS differs from what Keycloak and the rules ask for; empty when converged. One line per problem,
 * naming the e-mail, the expectation and the employees found.
 */
export function convergenceDiff(input: OracleInput): string[] {
  const { users, signedIn, employees, roleName } = input;
  const problems: string[] = [];
  const byEmail = new Map<string, EmployeeFacts[]>();
  for (const e of employees) {
    const key = lower(e.emailAddress);
    byEmail.set(key, [...(byEmail.get(key) ?? []), e]);
  }
  for (const [email, list] of byEmail) {
    if (list.length > 1) problems.push(`${email}: ${list.length} employees share this e-mail: ${list.map((e) => show(e, roleName)).join('; ')}`);
  }
  for (const raw of [...new Set(input.emails.map(lower))].sort()) {
    const holders = users.filter((u) => u.email && lower(u.email) === raw);
    if (holders.length > 1) problems.push(`${raw}: ${holders.length} Keycloak users have this e-mail (${holders.map((u) => u.id).join(', ')}): the test cannot judge it`);
    const expected = expectationFor(raw, users, signedIn);
    const found = byEmail.get(raw) ?? [];
    const active = found.filter((e) => e.isActive);
    const listing = found.length ? found.map((e) => show(e, roleName)).join('; ') : 'no employee';
    if (expected.kind === 'none-active') {
      if (active.length) problems.push(`${raw}: expected no active employee (${expected.why}); BMS has ${listing}`);
      continue;
    }
    const u = expected.user;
    const want = `one active employee ${JSON.stringify(`${u.firstName ?? ''} ${u.lastName ?? ''}`)} role ${expected.securityRole} (${expected.rule}, Keycloak user ${u.id}, groups ${JSON.stringify(u.groups)}, domain ${u.domain})`;
    if (active.length !== 1) {
      problems.push(`${raw}: expected ${want}; BMS has ${listing}`);
      continue;
    }
    const [e] = active;
    const wrong: string[] = [];
    if (e.firstName !== (u.firstName ?? '')) wrong.push(`firstName ${JSON.stringify(e.firstName)} ≠ ${JSON.stringify(u.firstName)}`);
    if (e.lastName !== (u.lastName ?? '')) wrong.push(`lastName ${JSON.stringify(e.lastName)} ≠ ${JSON.stringify(u.lastName)}`);
    if (lower(roleName(e.securityRoleId)) !== lower(expected.securityRole)) wrong.push(`security role ${roleName(e.securityRoleId)} ≠ ${expected.securityRole}`);
    if (wrong.length) problems.push(`${raw}: expected ${want}; employee ${show(e, roleName)} differs: ${wrong.join(', ')}`);
  }
  return problems;
}
