import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BmsError } from '../bms/errors';
import { Lookups } from '../bms/lookups';
import { silentLogger } from '../log/logger';
import { MapperRepresentation } from './parse';
import { lastGoodFileFor } from './last-good-file';
import { RuleSource } from './rule-source';

const defaults: MapperRepresentation = {
  id: 'd',
  name: 'Defaults',
  identityProviderMapper: 'bms-employee-defaults',
  config: { 'bms.account': 'Contoso', 'bms.department': 'Service Desk', 'bms.location': 'HQ', 'bms.job.title': 'Technician', 'bms.employment.type': 'Full Time', 'bms.security.role': 'Read Only', 'bms.employee.role': 'Engineer' },
};
const rule = (department: string): MapperRepresentation => ({ id: 'r', name: 'Techs', identityProviderMapper: 'bms-mapping-rule', config: { 'bms.order': '20', 'bms.match.group': 'BMS-Techs', 'bms.department': department } });
/** BMS knows every name but 'Wizardry', which is a lookup error, as the real lookups say. */
const lookups = {
  resolve: async (_kind: string, name: string) => {
    if (name !== 'Wizardry') return 1;
    throw new BmsError('lookup', `BMS has no department named '${name}'`);
  },
} as unknown as Lookups;

function source(mappers: () => MapperRepresentation[], ttlMs = 60_000): { rules: RuleSource; loads: () => number } {
  let loads = 0;
  const rules = new RuleSource(async () => (loads++, mappers()), 'passly', ttlMs, lookups, silentLogger);
  return { rules, loads: () => loads };
}

test('a rule set that breaks after a good one: the good one stays in force, and readyz names the problem and the fallback', async () => {
  let department = 'Field Service';
  const { rules } = source(() => [defaults, rule(department)]);
  expect((await rules.current()).rules[0].values.department).toBe('Field Service');
  department = 'Wizardry'; // a BMS admin renamed it, or an admin typed a name BMS does not know
  await rules.fresh();
  const inForce = await rules.current();
  expect(inForce.problems).toEqual([]);
  expect(inForce.rules[0].values.department).toBe('Field Service');
  expect(await rules.problems()).toMatch(/BMS has no department named 'Wizardry'; the rule set loaded at .* stays in force until this is fixed/);
  department = 'Service Desk';
  expect((await rules.fresh()).rules[0].values.department).toBe('Service Desk');
  expect(await rules.problems()).toBeUndefined();
});

test('with no good rule set ever, the set in force is the bad one (sign-ins fail, never a silent provision)', async () => {
  const { rules } = source(() => [defaults, rule('Wizardry')]);
  expect((await rules.current()).problems).toEqual(["rule 'Techs': BMS has no department named 'Wizardry'"]);
  expect(await rules.problems()).toContain('no good rule set was ever loaded');
});

test('after the first load no caller waits for a reload: an expired set answers at once while it reloads in the background', async () => {
  let release: () => void = () => undefined;
  let slow = false;
  let loads = 0;
  const rules = new RuleSource(
    async () => {
      loads++;
      if (slow) await new Promise<void>((r) => (release = r));
      return [defaults, rule('Field Service')];
    },
    'passly', 1, lookups, silentLogger,
  );
  await rules.current();
  slow = true;
  await new Promise((r) => setTimeout(r, 5)); // the set is now older than its TTL
  const answered = await Promise.race([rules.current().then(() => 'answered'), new Promise((r) => setTimeout(() => r('waited'), 200))]);
  expect(answered).toBe('answered');
  expect(loads).toBe(2); // the background reload started
  release();
});

test('after a restart with a bad set in Keycloak, the set that last loaded cleanly (kept in a file) stays in force (review finding 6)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));
  try {
    const file = lastGoodFileFor(join(dir, 'bridge.sqlite'), 'passly');
    let department = 'Field Service';
    const before = new RuleSource(async () => [defaults, rule(department)], 'passly', 60_000, lookups, silentLogger, file);
    expect((await before.current()).problems).toEqual([]);
    department = 'Wizardry'; // broken while the bridge was down
    const after = new RuleSource(async () => [defaults, rule(department)], 'passly', 60_000, lookups, silentLogger, lastGoodFileFor(join(dir, 'bridge.sqlite'), 'passly'));
    const inForce = await after.current();
    expect(inForce.problems).toEqual([]);
    expect(inForce.rules[0].values.department).toBe('Field Service');
    expect(await after.problems()).toMatch(/BMS has no department named 'Wizardry'; the rule set loaded at .* stays in force/);
    // without the file, the same restart has no good set at all
    const forgetful = new RuleSource(async () => [defaults, rule(department)], 'passly', 60_000, lookups, silentLogger);
    expect(await forgetful.problems()).toContain('no good rule set was ever loaded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a change announced while a load runs is not lost: another load follows it (issue 12 review finding 4)', async () => {
  let release: () => void = () => undefined;
  let reads = 0;
  let department = 'Field Service';
  const rules = new RuleSource(
    async () => {
      reads++;
      const seen = department; // this load reads the mappers before the change lands
      if (reads === 1) await new Promise<void>((resolve) => (release = resolve));
      return [defaults, rule(seen)];
    },
    'passly',
    300_000,
    lookups,
    silentLogger,
  );
  const first = rules.current();
  await new Promise((r) => setTimeout(r, 10));
  department = 'Service Desk';
  rules.invalidate(); // the rules.changed webhook arrives while the first load is still reading
  release();
  await first;
  for (let i = 0; i < 50 && reads < 2; i++) await new Promise((r) => setTimeout(r, 10));
  expect(reads).toBe(2);
  await new Promise((r) => setTimeout(r, 20));
  expect((await rules.current()).rules[0].values.department).toBe('Service Desk');
});
