/**
 * The structured logger the bridge's modules take: pino's call shape (`logger.warn({ ...fields }, 'message')`),
 * so a pino instance can be passed as it is. Modules never log secrets; fields are plain data.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const ignore = (): void => {};
export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
