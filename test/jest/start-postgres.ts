import { PostgresServer, startPostgres } from '../stack/postgres-server';
import { POSTGRES_ENV } from '../support/postgres-info';

declare global {
  // eslint-disable-next-line no-var
  var __bmsJitPostgres: PostgresServer | undefined;
}

/**
 * Jest global setup of the "postgres" project: one throw-away PostgreSQL server for every test of the run, its URL
 * exported to the workers in BMS_JIT_TEST_POSTGRES_URL. A URL already in that variable is used as it is.
 */
export default async function startPostgresForTests(): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`[postgres] ${line}\n`);
  if (process.env[POSTGRES_ENV]) {
    log(`using the server in ${POSTGRES_ENV}`);
    return;
  }
  const server = await startPostgres({ log });
  globalThis.__bmsJitPostgres = server;
  process.env[POSTGRES_ENV] = server.url;
}
