import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '../stack/project';

/** The folder both test suites read the shared contract from (the plugin's JUnit tests read the same files). */
export const CONTRACT_DIR = join(repoRoot, 'test', 'fixtures', 'contract');

/** The parsed contract fixture `name` (for example 'secrets.json'), typed by the caller. */
export function contractFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(CONTRACT_DIR, name), 'utf8')) as T;
}

/** One case of login-requests.json. */
export interface LoginRequestCase {
  case: string;
  body: { user: { groups: string[] } & Record<string, unknown> } & Record<string, unknown>;
}

/** The documented login webhook example (the first case of login-requests.json), as the bytes a test posts. */
export function exampleLoginBody(): string {
  return JSON.stringify(contractFixture<{ cases: LoginRequestCase[] }>('login-requests.json').cases[0].body, null, 2);
}
