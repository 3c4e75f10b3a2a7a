import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { DEPENDENCY_PLUGIN, runMaven } from './maven';
import { cacheDir, keycloakVersion } from './project';

/**
 * The unpacked Keycloak server for the pinned version, fetched once from Maven Central
 * (org.keycloak:keycloak-quarkus-dist:<version>:zip) into the git-ignored cache and reused after.
 */
export function ensureKeycloakDist(log: (line: string) => void = () => {}, version = keycloakVersion()): string {
  const base = join(cacheDir, 'keycloak', version);
  const home = join(base, `keycloak-${version}`);
  if (existsSync(join(home, 'bin', 'kc.sh'))) return home;

  log(`Fetching Keycloak ${version} (org.keycloak:keycloak-quarkus-dist) from Maven Central into ${base} ...`);
  const staging = join(base, `.unpacking-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  runMaven(
    [`${DEPENDENCY_PLUGIN}:unpack`, `-Dartifact=org.keycloak:keycloak-quarkus-dist:${version}:zip`, `-DoutputDirectory=${staging}`],
    { cwd: base, what: `Fetching Keycloak ${version}` },
  );
  const unpacked = join(staging, `keycloak-${version}`);
  if (!existsSync(join(unpacked, 'bin', 'kc.sh'))) {
    throw new Error(`The Keycloak ${version} zip did not contain keycloak-${version}/bin/kc.sh; is the version right?`);
  }
  // rename is atomic: a concurrent or interrupted fetch never leaves a half-unpacked server in place
  if (!existsSync(home)) renameSync(unpacked, home);
  rmSync(staging, { recursive: true, force: true });
  return home;
}
