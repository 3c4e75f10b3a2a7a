import { spawnSync } from 'node:child_process';

/** maven-dependency-plugin 3.x pinned by full coordinates: Maven 3.8.7 would otherwise pick 2.8, which cannot fetch zips. */
export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.11.0';

/** Runs Maven in batch mode and turns a failure into an error that says what to check. */
export function runMaven(args: string[], options: { cwd?: string; javaHome?: string; what: string }): void {
  const env = { ...process.env, ...(options.javaHome ? { JAVA_HOME: options.javaHome } : {}) };
  const run = spawnSync('mvn', ['-B', '-q', ...args], { cwd: options.cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) {
    throw new Error(`${options.what}: cannot run Maven (${run.error.message}). Install Maven 3.8+ ("apt-get install maven") and retry.`);
  }
  if (run.status !== 0) {
    const out = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-25).join('\n');
    const hint = /Unknown host|UnknownHost|Could not transfer|Connection refused|timed out/i.test(out)
      ? '\n  Maven Central looks unreachable from here: check the network or proxy (~/.m2/settings.xml), then retry.'
      : '';
    throw new Error(`${options.what} failed (mvn ${args.join(' ')}, exit ${run.status}):\n${out}${hint}`);
  }
}
