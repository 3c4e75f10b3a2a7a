import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const MIN_JAVA = 21;

export interface Jdk {
  home: string;
  major: number;
}

const HOW_TO_FIX =
  `install a JDK ${MIN_JAVA} or newer (Temurin 25 from adoptium.net, or a distribution package such as openjdk-21-jdk) ` +
  `and point KEYCLOAK_JAVA_HOME at its folder`;

/**
 * Picks a JDK that can run the pinned Keycloak (26.7 needs Java 21+): KEYCLOAK_JAVA_HOME if set (and it must
 * be new enough), else JAVA_HOME when new enough, else the newest JDK under /usr/lib/jvm or /opt/java.
 */
export function findJdk(env: NodeJS.ProcessEnv = process.env, roots: string[] = ['/usr/lib/jvm', '/opt/java']): Jdk {
  if (env.KEYCLOAK_JAVA_HOME) {
    const major = javaMajor(env.KEYCLOAK_JAVA_HOME);
    if (major !== undefined && major >= MIN_JAVA) return { home: env.KEYCLOAK_JAVA_HOME, major };
    throw new Error(`KEYCLOAK_JAVA_HOME=${env.KEYCLOAK_JAVA_HOME} is ${major === undefined ? 'not a JDK' : `Java ${major}`}; Keycloak needs Java ${MIN_JAVA}+. Fix: ${HOW_TO_FIX}.`);
  }
  const seen: string[] = [];
  let best: Jdk | undefined;
  for (const home of new Set([env.JAVA_HOME, ...listHomes(roots)].filter((h): h is string => !!h))) {
    const major = javaMajor(home);
    seen.push(`${home} (${major === undefined ? 'no java' : `Java ${major}`})`);
    if (major === undefined || major < MIN_JAVA) continue;
    if (home === env.JAVA_HOME) return { home, major };
    if (!best || major > best.major) best = { home, major };
  }
  if (best) return best;
  throw new Error(`No JDK ${MIN_JAVA} or newer found; Keycloak needs one.\n  looked at: ${seen.join(', ') || 'nothing'}\n  fix: ${HOW_TO_FIX}.`);
}

function listHomes(roots: string[]): string[] {
  return roots.filter((root) => existsSync(root)).flatMap((root) => readdirSync(root).sort().map((name) => join(root, name)));
}

/** The major version a JDK home reports, or undefined when it has no runnable java. */
export function javaMajor(home: string): number | undefined {
  const java = join(home, 'bin', 'java');
  if (!existsSync(java)) return undefined;
  const run = spawnSync(java, ['-XshowSettings:properties', '-version'], { encoding: 'utf8', timeout: 20_000 });
  return parseJavaSpecVersion(`${run.stdout ?? ''}${run.stderr ?? ''}`);
}

/** Reads java.specification.version ("17", "21", "25", or the old "1.8") out of -XshowSettings output. */
export function parseJavaSpecVersion(settings: string): number | undefined {
  const match = /java\.specification\.version = (\d+)(?:\.(\d+))?/.exec(settings);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}
