import { EmployeeView } from './model';

/** A Keycloak user ↔ BMS employee link, with what the bridge last wrote (null: not known, read BMS first). */
export interface Link {
  userId: string;
  employeeId: number;
  record: EmployeeView | null;
  linkedAt: number;
  /** Keycloak refused the bms_employee_id write-back (a read-only user storage): the sweep does not retry it */
  attributeUnwritable: boolean;
}

/**
 * The links between Keycloak users and BMS employees: at most one user per employee (the store enforces it), and what
 * the bridge last wrote. Every implementation passes test/store-contract/store-contract.ts.
 */
export interface LinkStore {
  linkOf(userId: string): Promise<Link | undefined>;
  linkOfEmployee(employeeId: number): Promise<Link | undefined>;
  /** Links (or re-records) a user; an employee linked to another user is refused with LinkConflictError. */
  saveLink(userId: string, record: EmployeeView, now?: number): Promise<void>;
  /** Moves an employee's link from a user who no longer exists in Keycloak to another. */
  moveLink(fromUserId: string, toUserId: string, record: EmployeeView, now?: number): Promise<void>;
  linkedUserIds(): Promise<string[]>;
  markAttributeUnwritable(userId: string): Promise<void>;
  /** BMS may no longer hold what the link's record says (a write raced another user's): read it next time. Returns the holder. */
  forgetRecord(employeeId: number): Promise<string | undefined>;
}

/** A link refused because the employee is linked to someone else (the unique index). */
export class LinkConflictError extends Error {
  constructor(readonly employeeId: number, readonly holder: string) {
    super(`BMS employee ${employeeId} is already linked to Keycloak user ${holder}`);
    this.name = 'LinkConflictError';
  }
}
