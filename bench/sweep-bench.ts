import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation';
import Database from 'better-sqlite3';

import { DEFAULT_POLICIES, EmployeeView } from '../bridge/converge/model';
import { plan } from '../bridge/converge/plan';
import { SqliteStore } from '../bridge/store/sqlite/sqlite-store';
import { truthOf } from '../bridge/keycloak/gateway';
import { evaluate } from '../bridge/rules/evaluate';
import { FieldValues } from '../bridge/rules/model';
import { MapperRepresentation, parseRuleSet } from '../bridge/rules/parse';
import type { SweepSummary } from '../bridge/sweep/sweep';
import { createBmsEmulator } from '../test/bms-emulator/server';
import { defaultSeed, Employee, NamedRow, Seed } from '../test/bms-emulator/seed';
import { newWebhookSecret } from '../test/stack/webhook-secret';
import { cpuMsOf, rssOf, spawnBridge } from './bench-processes';
import { callsBetween, startFakeKeycloakAdmin } from './fake-keycloak-admin';

const USERS = Number(process.env.BENCH_SWEEP_USERS ?? 10_000);
const CHANGED = 100;
const DISABLED = 50;
const FIRST_EMPLOYEE_ID = 5000;
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/**
 * One sweep (POST /admin/reconcile) over USERS linked, unchanged users, in the bridge's own process: the Keycloak
 * stand-in holds the users, the BMS emulator their employees, the bridge's store the links as the converger would
 * have written them. Then CHANGED users get a new last name and DISABLED are disabled, and a second sweep runs.
 * Rows: [measure, value, target].
 */
export async function benchSweep(): Promise<[string, string, string][]> {
  const realm = JSON.parse(readFileSync(join(__dirname, '..', '..', 'keycloak-realm.json'), 'utf8')) as { identityProviderMappers: Record<string, unknown>[] };
  const mappers = realm.identityProviderMappers.map((m, i) => ({ ...m, id: `m${i}` })) as unknown as MapperRepresentation[];
  const ruleSet = parseRuleSet('passly', mappers);
  if (ruleSet.problems.length) throw new Error(`the realm file's BMS rules cannot be used: ${ruleSet.problems.join('; ')}`);
  const policies = ruleSet.defaults?.policies ?? DEFAULT_POLICIES;

  // the directory (Keycloak), the employees (BMS) and the links (the bridge's store), all agreeing
  const seed = defaultSeed();
  const users: UserRepresentation[] = [];
  const employees: Employee[] = [];
  const links: [string, EmployeeView][] = [];
  for (let i = 0; i < USERS; i++) {
    const employeeId = FIRST_EMPLOYEE_ID + i;
    const email = `sweep.user${i}@contoso.com`;
    const user: UserRepresentation = {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      username: email,
      email,
      firstName: 'Sweep',
      lastName: `User${i}`,
      enabled: true,
      attributes: { upn: [email], ad_domain: ['contoso.com'], ad_groups: ['BMS-Techs'], bms_employee_id: [String(employeeId)] },
    };
    const truth = truthOf(user);
    const decision = evaluate(ruleSet, truth);
    if (decision.outcome !== 'provision') throw new Error(`the rules do not provision ${email}: ${decision.reason}`);
    const record: EmployeeView = { id: employeeId, active: true, firstName: truth.firstName ?? '', lastName: truth.lastName ?? '', email, userName: truth.upn, fields: { ...decision.fields } };
    const quick = plan({ user: truth, decision, bms: { source: 'record', employee: record }, policies, mayCreate: false });
    if (quick.kind !== 'act' || quick.actions.length) throw new Error(`the bench's link of ${email} is not what the converger would have written: ${JSON.stringify(quick)}`);
    users.push(user);
    links.push([user.id ?? '', record]);
    employees.push(employeeOf(seed, record));
  }

  const emulator = createBmsEmulator({ rateLimitPerHour: 1_000_000, seed: { ...seed, employees: [...seed.employees, ...employees] } });
  const bms = await emulator.listen();
  const keycloak = await startFakeKeycloakAdmin({ users });
  const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
  const dbPath = join(dir, 'bridge.sqlite');
  const store = new SqliteStore(dbPath);
  const seeding = Date.now();
  for (const [userId, record] of links) await store.links.saveLink(userId, record);
  await store.close();
  process.stderr.write(`bench: ${USERS} users, employees and links in place (links written in ${Date.now() - seeding} ms); sweeping ...\n`);

  const { child, url: ready } = spawnBridge({ BRIDGE_WEBHOOK_SECRET: newWebhookSecret(), BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN, KEYCLOAK_URL: keycloak.url, BMS_BASE_URL: bms.url, BRIDGE_DB_PATH: dbPath });
  const rows: [string, string, string][] = [];
  try {
    const url = await ready;
    const sweep = async (label: string, targets: { bmsEmployeeCalls: string; bmsWrites: string }): Promise<SweepSummary> => {
      const kcBefore = { ...keycloak.calls };
      const bmsBefore = emulator.calls.length;
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, rssOf(child.pid ?? 0))), 50);
      const cpuBefore = cpuMsOf(child.pid ?? 0);
      const standInsBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      const res = await fetch(`${url}/admin/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      const text = await res.text();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (!res.ok) throw new Error(`POST /admin/reconcile answered ${res.status}: ${text.slice(0, 500)}`);
      // the endpoint waits 30 s for the jobs it queued; any still unfinished are waited for here (the store says)
      const jobs = new Database(dbPath, { readonly: true, fileMustExist: true });
      const unfinished = (): number => jobs.prepare("SELECT count(*) FROM jobs WHERE state IN ('queued','retry','running')").pluck().get() as number;
      const giveUp = Date.now() + 180_000;
      while (unfinished() > 0 && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 100));
      const left = unfinished();
      jobs.close();
      const settledMs = Number(process.hrtime.bigint() - started) / 1e6;
      clearInterval(sampler);
      peak = Math.max(peak, rssOf(child.pid ?? 0));
      const cpuMs = cpuMsOf(child.pid ?? 0) - cpuBefore;
      const standIns = process.cpuUsage(standInsBefore);
      const summary = JSON.parse(text) as SweepSummary;
      const kc = callsBetween(kcBefore, keycloak.calls);
      const bmsCalls = emulator.calls.slice(bmsBefore);
      const employeeCalls = bmsCalls.filter((c) => /\/v2\/hr\/employees(\/\d+)?(\/\w+)?$/.test(c) && !c.endsWith('/lookup') && !c.endsWith('/searchselect'));
      const writes = bmsCalls.filter((c) => !c.startsWith('GET ') && !c.includes('/security/'));
      rows.push(
        [`${label}: wall time (POST /admin/reconcile answered / every job finished)`, `${ms.toFixed(0)} ms / ${left ? `${left} jobs unfinished after 180 s` : `${settledMs.toFixed(0)} ms`}`, ''],
        [`${label}: CPU time (user + system) of the bridge / of the stand-ins' process`, `${cpuMs} ms / ${Math.round((standIns.user + standIns.system) / 1000)} ms`, ''],
        [`${label}: Keycloak calls`, `${kc.total} (${kc.text})`, ''],
        [`${label}: BMS calls, all`, `${bmsCalls.length} (${describe(bmsCalls)})`, ''],
        [`${label}: BMS employee reads/writes`, String(employeeCalls.length), targets.bmsEmployeeCalls],
        [`${label}: BMS writes`, `${writes.length} (${describe(writes)})`, targets.bmsWrites],
        [`${label}: summary examined/unchanged/denied/missing/backedOff/queued`, [summary.examined, summary.unchanged, summary.denied, summary.missing, summary.backedOff, summary.queued].join(' / '), ''],
        [`${label}: summary jobs active/inactive/refused/failed/stillRunning`, [summary.active, summary.inactive, summary.refused, summary.failed, summary.stillRunning].join(' / '), ''],
        [`${label}: bridge resident memory, peak (sampled every 50 ms)`, `${mib(peak)} MiB`, '< 150 MiB'],
      );
      return summary;
    };

    await sweep(`sweep 1, ${USERS} unchanged users`, { bmsEmployeeCalls: '0', bmsWrites: '0' });

    for (const user of users.slice(0, CHANGED)) keycloak.users.set(user.id ?? '', { ...user, lastName: `${user.lastName}-Renamed` });
    for (const user of users.slice(CHANGED, CHANGED + DISABLED)) keycloak.users.set(user.id ?? '', { ...user, enabled: false });
    await sweep(`sweep 2, ${CHANGED} renamed + ${DISABLED} disabled`, { bmsEmployeeCalls: String(CHANGED + DISABLED), bmsWrites: String(CHANGED + DISABLED) });

    const renamed = users.slice(0, CHANGED).filter((u) => emulator.store.get(FIRST_EMPLOYEE_ID + users.indexOf(u))?.lastName === `${u.lastName}-Renamed`).length;
    const deactivated = users.slice(CHANGED, CHANGED + DISABLED).filter((u) => emulator.store.get(FIRST_EMPLOYEE_ID + users.indexOf(u))?.isActive === false).length;
    const othersTouched = emulator.store.all().filter((e) => e.id >= FIRST_EMPLOYEE_ID + CHANGED + DISABLED && (e.modifiedOn !== e.createdOn || !e.isActive)).length;
    rows.push(['BMS after sweep 2: renamed / deactivated / other employees touched', `${renamed} / ${deactivated} / ${othersTouched}`, `${CHANGED} / ${DISABLED} / 0`]);
    rows.push(['bridge resident memory, peak since start (VmHWM)', `${mib(hwmOf(child.pid ?? 0))} MiB`, '< 150 MiB']);
    return rows;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    await bms.close();
    await keycloak.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The BMS employee the rules' names stand for (ids from the emulator's reference data). */
function employeeOf(seed: Seed, record: EmployeeView): Employee {
  const id = (rows: NamedRow[], name: string | undefined): number => rows.find((r) => r.name.toLowerCase() === name?.toLowerCase())?.id ?? rows[0].id;
  const f: FieldValues = record.fields;
  const manager = seed.employees.find((e) => `${e.firstName} ${e.lastName}`.toLowerCase() === f.manager?.toLowerCase());
  const at = new Date().toISOString();
  return {
    id: record.id,
    userName: record.userName ?? '',
    firstName: record.firstName,
    lastName: record.lastName,
    emailAddress: record.email ?? '',
    accountId: id(seed.accounts, f.account),
    departmentId: id(seed.departments, f.department),
    locationId: id(seed.locations, f.location),
    managerId: manager?.id ?? null,
    jobTitleId: id(seed.jobTitles, f.jobTitle),
    employmentTypeId: id(seed.employmentTypes, f.employmentType),
    securityRoleId: id(seed.securityRoles, f.securityRole),
    employeeRoleId: id(seed.employeeRoles, f.employeeRole),
    isActive: record.active,
    createdOn: at,
    modifiedOn: at,
  };
}

/** "sign-in 1, lookups 8" or "PATCH employee 100, POST deactivate 50" */
function describe(calls: string[]): string {
  const counts = new Map<string, number>();
  for (const c of calls) {
    const [method, path] = c.split(' ');
    const key = /\/lookup/.test(path) ? 'lookups' : /\/security\//.test(path) ? 'sign-in' : /\/employees\/\d+$/.test(path) ? `${method} employee` : /\/employees$/.test(path) ? `${method} employees` : `${method} ${path.split('/').pop() ?? path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
}

function mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}

function hwmOf(pid: number): number {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
