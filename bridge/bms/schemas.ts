import { z } from 'zod';

/** BMS's ErrorInfo; every field may be missing or null on a real server. */
export const errorInfoSchema = z
  .looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    details: z.string().nullish(),
    subErrors: z.array(z.string()).nullish(),
  })
  .nullish();

export function envelopeOf<T extends z.ZodType>(result: T) {
  return z.looseObject({ success: z.boolean(), error: errorInfoSchema, result: result.nullish(), totalRecords: z.number().int().nullish() });
}

export const tokenSchema = z.looseObject({
  accessToken: z.string().min(1),
  refreshToken: z.string().nullish(),
  accessTokenExpireOn: z.string(),
  refreshTokenExpireOn: z.string().nullish(),
});

const id = z.number().int();
export const namedRowSchema = z.looseObject({ id, name: z.string().nullish() });
export const employeeSummarySchema = z.looseObject({
  id,
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  emailAddress: z.string().nullish(),
  username: z.string().nullish(),
  jobTitle: z.string().nullish(),
  isActive: z.boolean().nullish(),
});
export type EmployeeSummary = z.infer<typeof employeeSummarySchema>;

/** The employee as the write contract returns it. */
export const employeeSchema = z.looseObject({
  id,
  userName: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  emailAddress: z.string(),
  isActive: z.boolean(),
  accountId: id.nullish(),
  departmentId: id.nullish(),
  locationId: id.nullish(),
  managerId: id.nullish(),
  jobTitleId: id.nullish(),
  employmentTypeId: id.nullish(),
  securityRoleId: id.nullish(),
  employeeRoleId: id.nullish(),
});
export type Employee = z.infer<typeof employeeSchema>;

/** Servers that answer PascalCase are read the same as camelCase ones: first letter of every key lower-cased. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), camelKeys(v)]));
}
