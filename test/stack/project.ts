import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root, found from this file whether it runs from test/ (ts-jest) or dist/test/ (tsc). */
export const repoRoot: string = findRoot(__dirname);

/** Git-ignored folder for downloads and per-run server copies. */
export const cacheDir: string = process.env.BMS_JIT_CACHE_DIR ?? join(repoRoot, '.cache');

interface PackageJson {
  config?: { keycloakVersion?: string };
}

/** The one place the Keycloak version is pinned: package.json "config.keycloakVersion"; KEYCLOAK_VERSION overrides. */
export function keycloakVersion(): string {
  if (process.env.KEYCLOAK_VERSION) return process.env.KEYCLOAK_VERSION;
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
  const version = pkg.config?.keycloakVersion;
  if (!version) throw new Error('package.json has no "config.keycloakVersion"; it pins the Keycloak server version');
  return version;
}

function findRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    try {
      readFileSync(join(dir, 'keycloak-realm.json'));
      return dir;
    } catch {
      const parent = resolve(dir, '..');
      if (parent === dir) throw new Error(`cannot find the repository root (keycloak-realm.json) above ${start}`);
      dir = parent;
    }
  }
}
