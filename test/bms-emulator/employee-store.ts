import { Bag, pick, pickInt, pickString } from './case-insensitive';
import { ValidationFailure } from './envelope';
import { Employee, Seed } from './seed';

/** The emulator-defined write contract's fields (see README, "BMS write contract"), PascalCase as BMS names them. */
const REQUIRED_TEXT = ['UserName', 'FirstName', 'LastName', 'EmailAddress'] as const;
const REFERENCES = ['AccountId', 'DepartmentId', 'LocationId', 'JobTitleId', 'EmploymentTypeId', 'SecurityRoleId', 'EmployeeRoleId'] as const;
const OPTIONAL_REFERENCES = ['ManagerId'] as const;
type Reference = (typeof REFERENCES)[number] | (typeof OPTIONAL_REFERENCES)[number];

const camel = (pascal: string): string => pascal[0].toLowerCase() + pascal.slice(1);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Employees in memory, validated the way a real server would: required fields, known ids, unique user names. */
export class EmployeeStore {
  private readonly employees = new Map<number, Employee>();
  private nextId: number;

  constructor(
    private readonly seed: Seed,
    private readonly now: () => number,
    /** allowDuplicateUserNames: a lenient server that accepts a user name another employee has (read at each write) */
    private readonly options: { allowDuplicateUserNames?: () => boolean } = {},
  ) {
    for (const e of seed.employees) this.employees.set(e.id, { ...e });
    this.nextId = Math.max(1000, ...seed.employees.map((e) => e.id + 1));
  }

  all(): Employee[] {
    return [...this.employees.values()];
  }

  get(id: number): Employee | undefined {
    return this.employees.get(id);
  }

  create(body: Bag): Employee {
    const errors: string[] = [];
    const text: Record<string, string> = {};
    for (const field of REQUIRED_TEXT) {
      const value = pickString(body, field)?.trim();
      if (!value) errors.push(`${field}: is required`);
      else text[field] = value;
    }
    if (text.EmailAddress && !EMAIL.test(text.EmailAddress)) errors.push(`EmailAddress: '${text.EmailAddress}' is not an e-mail address`);
    if (text.UserName && !this.options.allowDuplicateUserNames?.() && this.byUserName(text.UserName)) errors.push(`UserName: an employee with user name '${text.UserName}' already exists`);
    const refs = this.references(body, REFERENCES, true, errors);
    const optional = this.references(body, OPTIONAL_REFERENCES, false, errors);
    if (errors.length) throw new ValidationFailure(errors);
    const stamp = new Date(this.now()).toISOString();
    const employee: Employee = {
      id: this.nextId++,
      userName: text.UserName,
      firstName: text.FirstName,
      lastName: text.LastName,
      emailAddress: text.EmailAddress,
      accountId: refs.AccountId,
      departmentId: refs.DepartmentId,
      locationId: refs.LocationId,
      jobTitleId: refs.JobTitleId,
      employmentTypeId: refs.EmploymentTypeId,
      securityRoleId: refs.SecurityRoleId,
      employeeRoleId: refs.EmployeeRoleId,
      managerId: optional.ManagerId ?? null,
      isActive: true,
      createdOn: stamp,
      modifiedOn: stamp,
    };
    this.employees.set(employee.id, employee);
    return employee;
  }

  /** Applies JSON Patch "replace" operations (V2's PATCH style) to the writable fields. */
  patch(id: number, operations: unknown): Employee | undefined {
    const current = this.employees.get(id);
    if (!current) return undefined;
    if (!Array.isArray(operations) || operations.length === 0) throw new ValidationFailure(['Operations: a non-empty JSON Patch array is required']);
    const changes: Bag = {};
    const errors: string[] = [];
    operations.forEach((op: unknown, i) => {
      const o = (op ?? {}) as Bag;
      const verb = pickString(o, 'op')?.toLowerCase();
      const path = pickString(o, 'path') ?? '';
      const field = [...REQUIRED_TEXT, ...REFERENCES, ...OPTIONAL_REFERENCES].find((f) => `/${f}`.toLowerCase() === path.toLowerCase());
      if (verb !== 'replace') errors.push(`Operations[${i}]: only "replace" is supported, got "${verb ?? ''}"`);
      else if (!field) errors.push(`Operations[${i}]: '${path}' is not a writable employee field`);
      else changes[field] = pick(o, 'value');
    });
    if (errors.length) throw new ValidationFailure(errors);
    const merged: Bag = { ...pascalOf(current), ...changes };
    const probe = new EmployeeStore({ ...this.seed, employees: this.all().filter((e) => e.id !== id) }, this.now, this.options);
    const valid = probe.create(merged); // same validation as create, against every other employee
    const updated: Employee = { ...valid, id, isActive: current.isActive, createdOn: current.createdOn, modifiedOn: new Date(this.now()).toISOString() };
    this.employees.set(id, updated);
    return updated;
  }

  setActive(id: number, isActive: boolean): Employee | undefined {
    const current = this.employees.get(id);
    if (!current) return undefined;
    const updated = { ...current, isActive, modifiedOn: new Date(this.now()).toISOString() };
    this.employees.set(id, updated);
    return updated;
  }

  private byUserName(userName: string): Employee | undefined {
    return this.all().find((e) => e.userName.toLowerCase() === userName.toLowerCase());
  }

  private references<F extends Reference>(body: Bag, fields: readonly F[], required: boolean, errors: string[]): Record<F, number> {
    const out = {} as Record<F, number>;
    for (const field of fields) {
      const value = pickInt(body, field);
      if (value === undefined) {
        if (required) errors.push(`${field}: is required`);
      } else if (Number.isNaN(value)) errors.push(`${field}: must be an integer id`);
      else if (!this.exists(field, value)) errors.push(`${field}: no ${label(field)} with id ${value}`);
      else out[field] = value;
    }
    return out;
  }

  private exists(field: Reference, id: number): boolean {
    const tables: Record<Reference, { id: number }[]> = {
      AccountId: this.seed.accounts,
      DepartmentId: this.seed.departments,
      LocationId: this.seed.locations,
      JobTitleId: this.seed.jobTitles,
      EmploymentTypeId: this.seed.employmentTypes,
      SecurityRoleId: this.seed.securityRoles,
      EmployeeRoleId: this.seed.employeeRoles,
      ManagerId: this.all(),
    };
    return tables[field].some((row) => row.id === id);
  }
}

function label(field: string): string {
  return field.replace(/Id$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function pascalOf(e: Employee): Bag {
  const out: Bag = {};
  for (const field of [...REQUIRED_TEXT, ...REFERENCES, ...OPTIONAL_REFERENCES]) out[field] = (e as unknown as Bag)[camel(field)];
  return out;
}
