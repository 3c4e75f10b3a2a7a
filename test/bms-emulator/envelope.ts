import type { Response } from 'express';

/** BMS V2 answers every call with this envelope, camelCase on the wire. */
export interface Envelope<T> {
  success: boolean;
  error: ErrorInfo | null;
  result: T | null;
  totalRecords?: number;
}

/** BMS's ErrorInfo DTO, including its misspelt stackStrace field (always null here). */
export interface ErrorInfo {
  code: number;
  message: string;
  details: string | null;
  stackStrace: null;
  subErrors: string[] | null;
}

export function ok<T>(res: Response, result: T, totalRecords?: number): void {
  const body: Envelope<T> = { success: true, error: null, result, ...(totalRecords === undefined ? {} : { totalRecords }) };
  res.status(200).json(body);
}

export function fail(res: Response, status: number, code: number, message: string, subErrors: string[] | null = null, details: string | null = null): void {
  const body: Envelope<null> = { success: false, error: { code, message, details, stackStrace: null, subErrors }, result: null };
  res.status(status).json(body);
}

/** A request that failed validation: one sub-error per field, each starting with the field's PascalCase name. */
export class ValidationFailure extends Error {
  constructor(readonly subErrors: string[]) {
    super('Validation failed');
  }
}
