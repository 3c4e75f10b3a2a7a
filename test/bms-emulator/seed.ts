/** Reference data and employees the emulator starts with: realistic, with the awkward cases tests need. */
export interface NamedRow {
  id: number;
  name: string;
}

export interface Employee {
  id: number;
  userName: string;
  firstName: string;
  lastName: string;
  emailAddress: string;
  accountId: number;
  departmentId: number;
  locationId: number;
  managerId: number | null;
  jobTitleId: number;
  employmentTypeId: number;
  securityRoleId: number;
  employeeRoleId: number;
  isActive: boolean;
  createdOn: string;
  modifiedOn: string;
}

export interface Seed {
  tenant: string;
  departments: NamedRow[];
  jobTitles: (NamedRow & { isActive: boolean })[];
  securityRoles: (NamedRow & { isActive: boolean; isSystem: boolean; isExternal: boolean })[];
  employeeRoles: (NamedRow & { isDefault: boolean })[];
  locations: (NamedRow & { isMain: boolean })[];
  accounts: (NamedRow & { tenantName: string; isActive: boolean })[];
  employmentTypes: (NamedRow & { isDefault: boolean; isActive: boolean })[];
  employees: Employee[];
}

const at = '2025-06-01T09:00:00Z';
const employee = (id: number, userName: string, firstName: string, lastName: string, emailAddress: string, extra: Partial<Employee> = {}): Employee => ({
  id, userName, firstName, lastName, emailAddress,
  accountId: 1, departmentId: 1, locationId: 1, managerId: 100, jobTitleId: 1, employmentTypeId: 1, securityRoleId: 2, employeeRoleId: 1,
  isActive: true, createdOn: at, modifiedOn: at, ...extra,
});

export function defaultSeed(): Seed {
  return {
    tenant: 'Contoso MSP',
    departments: [
      { id: 1, name: 'Service Desk' },
      { id: 2, name: 'Professional Services' },
      { id: 3, name: 'Sales' },
      // these two differ only in case and spacing: resolving "Field Services" by name must be refused as ambiguous
      { id: 4, name: 'Field Services' },
      { id: 5, name: 'field  services' },
      { id: 6, name: 'Management' },
    ],
    jobTitles: [
      { id: 1, name: 'Technician', isActive: true },
      { id: 2, name: 'Senior Technician', isActive: true },
      { id: 3, name: 'Account Manager', isActive: true },
      { id: 4, name: 'Dispatcher', isActive: true },
      { id: 5, name: 'Service Manager', isActive: true },
      { id: 6, name: 'Help Desk Operator', isActive: false },
    ],
    securityRoles: [
      { id: 1, name: 'Administrator', isActive: true, isSystem: true, isExternal: false },
      { id: 2, name: 'Technician', isActive: true, isSystem: false, isExternal: false },
      { id: 3, name: 'Sales', isActive: true, isSystem: false, isExternal: false },
      { id: 4, name: 'Dispatcher', isActive: true, isSystem: false, isExternal: false },
      { id: 5, name: 'Read Only', isActive: true, isSystem: false, isExternal: false },
      { id: 6, name: 'Client Portal', isActive: true, isSystem: true, isExternal: true },
    ],
    employeeRoles: [
      { id: 1, name: 'Engineer', isDefault: true },
      { id: 2, name: 'Consultant', isDefault: false },
      { id: 3, name: 'Sales Representative', isDefault: false },
      { id: 4, name: 'Dispatcher', isDefault: false },
    ],
    locations: [
      { id: 1, name: 'Head Office', isMain: true },
      { id: 2, name: 'Branch North', isMain: false },
      { id: 3, name: 'Branch South', isMain: false },
    ],
    accounts: [
      { id: 1, name: 'Contoso MSP', tenantName: 'Contoso MSP', isActive: true },
      { id: 2, name: 'Fabrikam Inc', tenantName: 'Contoso MSP', isActive: true },
      { id: 3, name: 'Northwind Traders', tenantName: 'Contoso MSP', isActive: false },
    ],
    employmentTypes: [
      { id: 1, name: 'Full Time', isDefault: true, isActive: true },
      { id: 2, name: 'Part Time', isDefault: false, isActive: true },
      { id: 3, name: 'Contractor', isDefault: false, isActive: true },
      { id: 4, name: 'Intern', isDefault: false, isActive: false },
    ],
    employees: [
      employee(100, 'bob.boss', 'Bob', 'Boss', 'bob.boss@contoso.com', { departmentId: 6, jobTitleId: 5, securityRoleId: 1, managerId: null }),
      // same address as the Passly stand-in user Margaret.Hamilton@Contoso.COM, in another case
      employee(101, 'mhamilton', 'Margaret', 'Hamilton', 'margaret.hamilton@CONTOSO.com', { departmentId: 2, jobTitleId: 2, securityRoleId: 2, locationId: 2 }),
      employee(102, 'dana.dispatch', 'Dana', 'Dispatch', 'dana.dispatch@contoso.com', { departmentId: 1, jobTitleId: 4, securityRoleId: 4, employeeRoleId: 4 }),
      employee(103, 'old.timer', 'Oliver', 'Timer', 'old.timer@contoso.com', { isActive: false }),
    ],
  };
}
