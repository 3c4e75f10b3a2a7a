/** Carries out one planned action in BMS (and the link it implies), the rules' names turned into BMS ids. */

import { BmsClient } from '../bms/client';
import { EmployeeChanges, NewEmployee } from '../bms/employees';
import { CallPriority } from '../bms/rate-limiter';
import { Logger } from '../log/logger';
import { BMS_FIELDS, FieldValues } from '../rules/model';
import { LOOKUP_OF_FIELD } from '../rules/rule-source';
import { LinkStore } from './link-store';
import { Action, BmsKnowledge } from './model';

/** The converger's hands in BMS: one write per planned action, with the link kept in step. */
export class BmsWrites {
  constructor(
    private readonly bms: BmsClient,
    private readonly links: LinkStore,
    private readonly log: Logger,
  ) {}

  /**
   * Carries out `action` for `userId` and returns the employee id it leaves linked (or acted on); throws the BmsError
   * of a failed call (failureOf says whether it is retried).
   */
  async write(userId: string, action: Action, knowledge: BmsKnowledge, priority: CallPriority): Promise<number> {
    const fields = { userId };
    switch (action.kind) {
      case 'create': {
        const created = await this.bms.createEmployee(await this.newEmployee(action.employee.fields, action.employee), priority);
        this.log.info({ ...fields, employeeId: created.id }, 'BMS employee created');
        return created.id;
      }
      case 'link': {
        const holder = knowledge.source === 'found' ? knowledge.linkedTo : undefined;
        if (holder) await this.links.moveLink(holder.userId, userId, action.start);
        else await this.links.saveLink(userId, action.start);
        this.log.info({ ...fields, employeeId: action.employeeId, rehire: action.rehire, from: holder?.userId }, action.rehire ? 'inactive BMS employee found by e-mail: linked for reactivation (rehire)' : 'existing BMS employee linked by e-mail');
        return action.employeeId;
      }
      case 'update': {
        const { fields: ruleFields, email, ...names } = action.changes;
        const changes: EmployeeChanges = { ...names, ...(email ? { emailAddress: email } : {}), ...(ruleFields ? await this.ids(ruleFields) : {}) };
        await this.bms.updateEmployee(action.employeeId, changes, priority);
        this.log.info({ ...fields, employeeId: action.employeeId, changed: Object.keys(changes) }, 'BMS employee updated');
        return action.employeeId;
      }
      case 'reactivate':
        await this.bms.reactivateEmployee(action.employeeId, priority);
        this.log.info({ ...fields, employeeId: action.employeeId }, 'BMS employee reactivated');
        return action.employeeId;
      case 'deactivate':
        await this.bms.deactivateEmployee(action.employeeId, priority);
        this.log.info({ ...fields, employeeId: action.employeeId, why: action.why }, 'BMS employee deactivated');
        return action.employeeId;
    }
  }

  private async newEmployee(fields: FieldValues, who: { firstName: string; lastName: string; email: string; userName: string }): Promise<NewEmployee> {
    const ids = await this.ids(fields);
    return {
      userName: who.userName,
      firstName: who.firstName,
      lastName: who.lastName,
      emailAddress: who.email,
      accountId: ids.accountId ?? 0,
      departmentId: ids.departmentId ?? 0,
      locationId: ids.locationId ?? 0,
      managerId: ids.managerId,
      jobTitleId: ids.jobTitleId ?? 0,
      employmentTypeId: ids.employmentTypeId ?? 0,
      securityRoleId: ids.securityRoleId ?? 0,
      employeeRoleId: ids.employeeRoleId ?? 0,
    };
  }

  /** BMS names → ids through the cached lookups; an unknown name is a BmsError of kind 'lookup' (not retryable). */
  private async ids(fields: FieldValues): Promise<Partial<Record<`${(typeof BMS_FIELDS)[number]}Id`, number>>> {
    const out: Partial<Record<`${(typeof BMS_FIELDS)[number]}Id`, number>> = {};
    for (const field of BMS_FIELDS) {
      const value = fields[field];
      if (value) out[`${field}Id`] = await this.bms.lookups.resolve(LOOKUP_OF_FIELD[field], value);
    }
    return out;
  }
}
