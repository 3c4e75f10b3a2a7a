/** Jest global teardown: runs after the last test, passing or failing, and stops the shared Keycloak by pid. */
export default async function stopStack(): Promise<void> {
  const stack = globalThis.__bmsJitStack;
  if (!stack) return;
  process.stderr.write(`[stack] JVM resident after the tests: ${Math.round(stack.broker.keycloak.rssBytes() / 1048576)} MiB; stopping Keycloak (pid ${stack.broker.keycloak.pid})\n`);
  await stack.stop();
  globalThis.__bmsJitStack = undefined;
}
