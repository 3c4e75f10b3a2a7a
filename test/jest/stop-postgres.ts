/** Jest global teardown of the "postgres" project: stops the run's PostgreSQL server and removes its data folder. */
export default async function stopPostgresForTests(): Promise<void> {
  const server = globalThis.__bmsJitPostgres;
  if (!server) return;
  process.stderr.write(`[postgres] stopping PostgreSQL (pid ${server.pid})\n`);
  await server.stop();
  globalThis.__bmsJitPostgres = undefined;
}
