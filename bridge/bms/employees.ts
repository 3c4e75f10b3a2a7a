import { z } from 'zod';

import { WriteContract } from './config';
import { BmsError } from './errors';
import { CallPriority } from './rate-limiter';
import { Employee, employeeSchema, EmployeeSummary, employeeSummarySchema } from './schemas';
import { BmsTransport, Call, Method } from './transport';

/** The fields of a new employee, all as BMS ids (names are resolved before this point). */
export interface NewEmployee {
  userName: string;
  firstName: string;
  lastName: string;
  emailAddress: string;
  accountId: number;
  departmentId: number;
  locationId: number;
  managerId?: number;
  jobTitleId: number;
  employmentTypeId: number;
  securityRoleId: number;
  employeeRoleId: number;
}

export type EmployeeChanges = Partial<Omit<NewEmployee, 'userName'>> & { userName?: string };

/**
 * Employee writes through the configured contract (README, "BMS write contract"): the public V2 API has no
 * employee writes, so method and path come from configuration and only this adapter knows the wire shape.
 */
export class EmployeeWriter {
  constructor(private readonly transport: BmsTransport, private readonly contract: WriteContract) {}

  /** Not retried after an ambiguous failure (timeout, 5xx, cut connection): BMS may have created it. */
  async create(employee: NewEmployee, priority: CallPriority = 0): Promise<Employee> {
    return this.send('create', undefined, pascal(employee), priority, undefined, false);
  }

  async get(id: number, priority: CallPriority = 0): Promise<Employee> {
    return this.send('get', id, undefined, priority);
  }

  /** Changes only the given fields, as JSON Patch "replace" operations (V2's PATCH convention). */
  async update(id: number, changes: EmployeeChanges, priority: CallPriority = 0): Promise<Employee> {
    const operations = Object.entries(pascal(changes)).map(([field, value]) => ({ op: 'replace', path: `/${field}`, value }));
    if (!operations.length) return this.get(id, priority);
    return this.send('update', id, operations, priority, 'application/json-patch+json');
  }

  deactivate(id: number, priority: CallPriority = 0): Promise<Employee> {
    return this.send('deactivate', id, undefined, priority);
  }

  reactivate(id: number, priority: CallPriority = 0): Promise<Employee> {
    return this.send('reactivate', id, undefined, priority);
  }

  private async send(operation: keyof WriteContract, id: number | undefined, json: unknown, priority: CallPriority, contentType?: string, idempotent = true): Promise<Employee> {
    const [method, template] = this.contract[operation].split(' ') as [Method, string];
    const path = template.replace('{id}', String(id ?? ''));
    const call: Call = { method, path, endpoint: `${method} ${template}`, json, contentType, auth: true, priority, idempotent };
    const { result } = await this.transport.call(call, employeeSchema);
    return result;
  }
}

/**
 * Finds the employee whose e-mail address is exactly this one, ignoring case. searchselect is a free-text search
 * (it also matches names and user names), so every page is read and the match is checked here.
 */
export function findEmployeeByEmail(transport: BmsTransport, email: string, pageSize: number, priority: CallPriority = 0): Promise<EmployeeSummary | undefined> {
  return findEmployee(transport, email, (e) => [e.emailAddress], 'e-mail address', pageSize, priority);
}

/**
 * The employee a person already has: by e-mail, else by BMS user name (the directory's UPN, unique in BMS), so a
 * person whose e-mail changed while they had no link is found, not created twice. One search when both are equal.
 */
export async function findEmployeeOf(transport: BmsTransport, email: string, userName: string, pageSize: number, priority: CallPriority = 0): Promise<EmployeeSummary | undefined> {
  if (email.trim().toLowerCase() === userName.trim().toLowerCase()) {
    return findEmployee(transport, email, (e) => [e.emailAddress, e.username], 'e-mail address or user name', pageSize, priority);
  }
  return (await findEmployeeByEmail(transport, email, pageSize, priority)) ?? findEmployee(transport, userName, (e) => [e.username], 'user name', pageSize, priority);
}

async function findEmployee(
  transport: BmsTransport,
  text: string,
  valuesOf: (e: EmployeeSummary) => (string | null | undefined)[],
  what: string,
  pageSize: number,
  priority: CallPriority,
): Promise<EmployeeSummary | undefined> {
  const wanted = text.trim().toLowerCase();
  if (!wanted) throw new BmsError('rejected', `a search by ${what} needs a value`);
  const matches: EmployeeSummary[] = [];
  for (let page = 1; ; page++) {
    const call: Call = {
      method: 'GET',
      path: '/v2/hr/employees/searchselect',
      endpoint: 'GET /v2/hr/employees/searchselect',
      query: { 'Filter.Filter_Text': wanted, PageSize: pageSize, PageNumber: page },
      auth: true,
      priority,
    };
    const { result, totalRecords } = await transport.call(call, z.array(employeeSummarySchema));
    matches.push(...result.filter((e) => valuesOf(e).some((v) => v?.trim().toLowerCase() === wanted)));
    const seen = (page - 1) * pageSize + result.length;
    if (result.length < pageSize || (totalRecords !== undefined && seen >= totalRecords)) break;
  }
  if (matches.length > 1) {
    const active = matches.filter((e) => e.isActive !== false);
    if (active.length === 1) return active[0];
    throw new BmsError('lookup', `${matches.length} BMS employees have the ${what} ${text} (ids ${matches.map((e) => e.id).join(', ')}); resolve the duplicate in BMS`, {
      candidates: matches.map((e) => String(e.id)),
    });
  }
  return matches[0];
}

function pascal(fields: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v]),
  );
}
