import type { UserProfileAttribute } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata';

/**
 * The words setup, its plan and its check share. A plan is a list of items, one per piece of wiring; each item says
 * what it does to the realm (create, change, keep, conflict, or skip an optional piece nobody asked for) and carries
 * the operations that do it, as data, so planning stays pure and testable and apply.ts is the only place that writes.
 */

/** What the plan does with one piece of wiring. */
export type Action = 'create' | 'change' | 'keep' | 'conflict' | 'skip';

/** One piece of wiring as the plan sees it. */
export interface PlanItem {
  /** stable and unique in a plan, e.g. `importer:SecurityGroup` */
  key: string;
  /** the piece, in words: "attribute importer 'SecurityGroup' → ad_groups" */
  what: string;
  action: Action;
  /** the diff: lines such as `syncMode: IMPORT → FORCE`, or what is kept and why */
  details: string[];
  /** for a conflict: what the admin does about it (setup never decides it for them) */
  fix?: string;
  /** what apply does for this item, in order; empty for keep, conflict and skip */
  ops: Op[];
}

/** An identity-provider mapper as setup writes it. */
export interface IdpMapper {
  name: string;
  identityProviderMapper: string;
  config: Record<string, string>;
}

/** A SAML client setup may create (the BMS service provider), in Keycloak's representation. */
export interface SamlClient {
  clientId: string;
  name: string;
  description: string;
  protocol: 'saml';
  enabled: true;
  baseUrl: string;
  redirectUris: string[];
  frontchannelLogout: boolean;
  fullScopeAllowed: boolean;
  attributes: Record<string, string>;
  protocolMappers: { name: string; protocol: 'saml'; protocolMapper: string; consentRequired: false; config: Record<string, string> }[];
}

/**
 * One write to the realm. Apply runs them in the order of OP_ORDER (each kind after what it needs: the event listener
 * before the step, whose changes it guards; the gated client before the step's settings, which Keycloak validates
 * against the realm's clients).
 */
export type Op =
  | { kind: 'add-event-listener'; listener: string }
  | { kind: 'declare-profile-attributes'; attributes: UserProfileAttribute[] }
  | { kind: 'create-idp-mapper'; mapper: IdpMapper }
  | { kind: 'set-mapper-sync-mode'; id: string; name: string; syncMode: string; before: string }
  | { kind: 'create-saml-client'; client: SamlClient }
  | { kind: 'create-bridge-client'; clientId: string; roles: string[] }
  | { kind: 'grant-bridge-roles'; clientId: string; roles: string[] }
  | { kind: 'copy-flow'; from: string; to: string }
  | { kind: 'add-attributes-step'; flow: string; requiredAttributes: string }
  | { kind: 'bind-first-broker-login'; flow: string; before: string }
  | { kind: 'register-step' }
  | { kind: 'configure-step'; settings: Record<string, string> }
  | { kind: 'enable-step' };

/** The order apply runs operations in, whatever item they came from. */
export const OP_ORDER: Op['kind'][] = [
  'add-event-listener',
  'declare-profile-attributes',
  'create-idp-mapper',
  'set-mapper-sync-mode',
  'create-saml-client',
  'create-bridge-client',
  'grant-bridge-roles',
  'copy-flow',
  'add-attributes-step',
  'bind-first-broker-login',
  'register-step',
  'configure-step',
  'enable-step',
];

/** A whole plan: its items, and whether it can be applied (no conflict). */
export interface Plan {
  realm: string;
  idp: string;
  items: PlanItem[];
}

/** The items in conflict; a plan with any is never applied. */
export const conflictsOf = (plan: Plan): PlanItem[] => plan.items.filter((i) => i.action === 'conflict');

/** The items apply would write (create or change). */
export const changesOf = (plan: Plan): PlanItem[] => plan.items.filter((i) => i.action === 'create' || i.action === 'change');

/** Every operation of the plan, in the order apply runs them. */
export function opsInOrder(plan: Plan): Op[] {
  const ops = plan.items.flatMap((i) => i.ops);
  return ops.map((op, n) => ({ op, n })).sort((a, b) => OP_ORDER.indexOf(a.op.kind) - OP_ORDER.indexOf(b.op.kind) || a.n - b.n).map(({ op }) => op);
}
