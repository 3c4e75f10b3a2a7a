import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { runMaven } from './maven';
import { keycloakVersion, repoRoot } from './project';

const pluginDir = join(repoRoot, 'plugin');
export const pluginJar = join(pluginDir, 'target', 'bms-jit-keycloak-plugin.jar');

/** Builds plugin/ with Maven when its JAR is missing or older than any source file, and returns the JAR's path. */
export function ensurePluginJar(javaHome: string, log: (line: string) => void = () => {}): string {
  if (existsSync(pluginJar) && statSync(pluginJar).mtimeMs >= newestSource(pluginDir)) return pluginJar;
  log('Building the Keycloak plugin (plugin/, Maven) ...');
  runMaven([`-Dkeycloak.version=${keycloakVersion()}`, '-DskipTests', 'package'], {
    cwd: pluginDir,
    javaHome,
    what: 'Building the Keycloak plugin',
  });
  return pluginJar;
}

function newestSource(dir: string): number {
  let newest = statSync(join(dir, 'pom.xml')).mtimeMs;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(dir, 'src', 'main'));
  return newest;
}
