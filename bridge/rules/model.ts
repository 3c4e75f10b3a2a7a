import type { Policies } from '../converge/model';

/** The BMS employee fields a rule can set, each written in the console as a BMS name or id. */
export const BMS_FIELDS = ['account', 'department', 'location', 'manager', 'jobTitle', 'employmentType', 'securityRole', 'employeeRole'] as const;
export type BmsField = (typeof BMS_FIELDS)[number];
export type FieldValues = Partial<Record<BmsField, string>>;

/** Fields a new BMS employee cannot do without (manager is optional). */
export const REQUIRED_FIELDS: readonly BmsField[] = ['account', 'department', 'location', 'jobTitle', 'employmentType', 'securityRole', 'employeeRole'];

/** The mapper config key of each field, as the plugin's mapper types store them. */
export const FIELD_KEYS: Record<BmsField, string> = {
  account: 'bms.account',
  department: 'bms.department',
  location: 'bms.location',
  manager: 'bms.manager',
  jobTitle: 'bms.job.title',
  employmentType: 'bms.employment.type',
  securityRole: 'bms.security.role',
  employeeRole: 'bms.employee.role',
};

export interface Defaults {
  mapperId: string;
  name: string;
  values: FieldValues;
  noMatchPolicy: 'deny' | 'defaults';
  /** which fields follow the directory, and the rehire policy (README, "Update and rehire policies") */
  policies: Policies;
  /** NetBIOS → DNS domain pairs the admin listed (folded), for domains whose NetBIOS name is not the DNS first label */
  domainPairs: ReadonlyMap<string, string>;
}

export interface Rule {
  mapperId: string;
  name: string;
  order: number;
  match: { domain?: string; group?: string; user?: string };
  values: FieldValues;
  effect: 'provision' | 'deny';
}

/** Every BMS mapper of one identity provider, parsed; problems make the set unusable for provisioning. */
export interface RuleSet {
  idpAlias: string;
  defaults?: Defaults;
  /** sorted by order, lowest first */
  rules: Rule[];
  problems: string[];
}

/** What the identity provider told us about the user, as the plugin's webhook carries it. */
export interface UserFacts {
  username?: string | null;
  email?: string | null;
  upn?: string | null;
  domain?: string | null;
  groups: string[];
}

export type Decision =
  | { outcome: 'provision'; rule?: Rule; fields: FieldValues; domain?: string; reason: string }
  | { outcome: 'deny'; rule?: Rule; domain?: string; reason: string; userMessage: string }
  | { outcome: 'unusable'; domain?: string; reason: string; userMessage: string };
