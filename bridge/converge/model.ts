import { BMS_FIELDS, Decision, FieldValues } from '../rules/model';

/**
 * What the bridge can keep in sync with the directory. A field in the sync set is written whenever it differs
 * ("always", Okta's SYNC); a field outside it is written when the employee is created and never again
 * ("create-only", Okta's APPEND). `active` in the set: a user who no longer qualifies is deactivated.
 */
export const SYNCABLE = ['names', 'email', 'userName', ...BMS_FIELDS, 'active'] as const;
export type Syncable = (typeof SYNCABLE)[number];

/** The defaults mapper's `bms.sync.fields` when unset: privileges and identity follow the directory. */
export const DEFAULT_SYNC: readonly Syncable[] = ['names', 'email', 'securityRole', 'active'];

/** The per-realm policies, kept on the identity provider's BMS employee defaults mapper. */
export interface Policies {
  sync: ReadonlySet<Syncable>;
  /** an inactive employee found by e-mail: reactivate it (audited) or refuse the link */
  rehire: 'reactivate' | 'deny';
}

export const DEFAULT_POLICIES: Policies = { sync: new Set(DEFAULT_SYNC), rehire: 'reactivate' };

/** What Keycloak says of a user at the moment a job runs (never a payload captured earlier, see converger). */
export type UserTruth =
  | { exists: false; id: string }
  | {
      exists: true;
      id: string;
      username: string;
      enabled: boolean;
      email: string | null;
      firstName: string | null;
      lastName: string | null;
      upn: string | null;
      domain: string | null;
      groups: string[];
      /** the `bms_employee_id` attribute, when Keycloak has one */
      employeeIdAttribute: number | null;
      /** the plugin marked the user (`bms_provisioning_requested_at`): they asked for BMS at a sign-in */
      requested: boolean;
    };

/**
 * A BMS employee as far as the bridge knows it: read from BMS, or what the bridge last wrote (the link's record).
 * `fields` holds the rule fields as the rules name them; a field absent here is unknown and is written when synced.
 */
export interface EmployeeView {
  id: number;
  active: boolean;
  firstName: string;
  lastName: string;
  /** null: unknown (a record from before e-mails were kept) */
  email: string | null;
  userName: string | null;
  fields: FieldValues;
}

/** The employee the user's truth and the rules ask for. */
export interface DesiredEmployee {
  firstName: string;
  lastName: string;
  email: string;
  userName: string;
  fields: FieldValues;
}

/** The changes one update writes (only fields that differ and are synced, or all of them at creation). */
export type EmployeeChangeSet = Partial<Pick<DesiredEmployee, 'firstName' | 'lastName' | 'email' | 'userName'>> & { fields?: FieldValues };

/**
 * What the bridge knows of BMS for this user when planning:
 * - `record`: the link's record of what was last written (no BMS call);
 * - `linked-unread`: Keycloak or the store says employee `id`, but there is no record: read it;
 * - `unsearched`: no link, BMS not searched yet;
 * - `none`: no link, and BMS has no employee with the user's e-mail;
 * - `found`: no link, BMS has this employee with the user's e-mail; `linkedTo` when another Keycloak user holds it
 *   (with what the bridge last wrote for them).
 */
export type BmsKnowledge =
  | { source: 'record'; employee: EmployeeView }
  | { source: 'linked-unread'; employeeId: number; fromAttribute: boolean }
  | { source: 'read'; employee: EmployeeView }
  | { source: 'unsearched' }
  | { source: 'none' }
  | { source: 'found'; employee: EmployeeView; linkedTo?: { userId: string; userExists: boolean; record: EmployeeView | null } };

export interface PlanInput {
  user: UserTruth;
  /** the rules' decision on the user's facts; undefined when the user is absent or disabled */
  decision?: Decision;
  bms: BmsKnowledge;
  policies: Policies;
  /**
   * Whether an employee may be created or linked for a user who has none: only after a sign-in to BMS (this one, or
   * an earlier one the plugin marked) or an admin's backfill. An event about anyone else never costs a BMS call.
   */
  mayCreate: boolean;
}

export type Action =
  | { kind: 'create'; employee: DesiredEmployee }
  /** `start`: the record the link starts from */
  | { kind: 'link'; employeeId: number; rehire: boolean; start: EmployeeView }
  | { kind: 'update'; employeeId: number; changes: EmployeeChangeSet }
  | { kind: 'reactivate'; employeeId: number }
  | { kind: 'deactivate'; employeeId: number; why: DeprovisionReason };

export type DeprovisionReason = 'deleted' | 'disabled' | 'no-longer-qualifies';

export type RefusalReason = 'denied' | 'unusable' | 'no-email' | 'conflict' | 'rehire-denied';

/**
 * The plan: `read` when BMS must be consulted first (then plan again with what it said); `act` with the writes
 * (empty: BMS already matches); `refuse` when the user must not get an employee (the login is denied with `message`),
 * possibly with writes (a deactivation) to make BMS match.
 */
export type Plan =
  | { kind: 'read'; what: 'employee'; employeeId: number; fromAttribute: boolean }
  | { kind: 'read'; what: 'search'; email: string; userName: string }
  | { kind: 'act'; actions: Action[]; end: 'active' | 'inactive' | 'absent'; employeeId?: number }
  | { kind: 'refuse'; reason: RefusalReason; message: string; detail: string; actions: Action[]; employeeId?: number };

export type { Decision };
