import pino from 'pino';

import { Logger } from './logger';

/** Paths that may carry secrets anywhere in a log line; pino replaces them before the line is written. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  '*.clientSecret',
  'clientSecret',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'headers.authorization',
  'headers["webhook-signature"]',
  '*.headers.authorization',
  '*.headers["webhook-signature"]',
];

/** The bridge's structured logger: JSON lines on stdout, secrets and signatures redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const base = pino({ level, redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' }, base: { service: 'bms-bridge' } }, destination);
  return {
    debug: (fields, message) => base.debug(fields, message),
    info: (fields, message) => base.info(fields, message),
    warn: (fields, message) => base.warn(fields, message),
    error: (fields, message) => base.error(fields, message),
  };
}
