import { benchBridges, BridgeBenchSetup } from './bridge-bench';
import { referenceLoopMs } from './host-speed';
import { benchLogin } from './login-bench';
import { benchRules } from './rules-bench';
import { benchSweep } from './sweep-bench';

/** `npm run bench`: prints the measured figures against the product's targets. Not a test: nothing is asserted. */
async function main(): Promise<void> {
  const only = process.argv[2];
  const rows: [string, string, string][] = [];
  const speedBefore = referenceLoopMs();
  if (!only || only === 'bridge') {
    // `bridge --store postgres [--instances N]`: also the same load on PostgreSQL with one and with N bridges, in this run
    const flag = (name: string): string | undefined => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : undefined);
    const instances = Number(flag('--instances') ?? 2);
    const setups: BridgeBenchSetup[] = [{ store: 'sqlite', instances: 1 }];
    if (flag('--store') === 'postgres') setups.push({ store: 'postgres', instances: 1 }, { store: 'postgres', instances });
    process.stderr.write(`bench: the bridge alone (own processes: ${setups.map(describe).join('; ')}), BMS emulator at zero latency, the setups in turn ...\n`);
    const tables = await benchBridges(setups);
    setups.forEach((setup, i) => {
      const label = setups.length > 1 ? ` [${describe(setup)}]` : '';
      const targets: [RegExp, string][] = [
        [/^sustained webhooks per second/, '>= 1500'],
        [/^latency p99/, setup.store === 'postgres' ? '<= 15 ms at 4 senders' : '<= 10 ms'],
        [/^throughput ratio to 1 bridge/, '>= 1'],
        [/^BMS calls per new user/, '<= 2'],
        [/^BMS calls per unchanged returning user/, '0'],
        [/^bridge resident memory/, '< 150 MiB'],
      ];
      for (const [k, v] of Object.entries(tables[i])) rows.push([`${k}${label}`, v, targets.find(([re]) => re.test(k))?.[1] ?? '']);
    });
  }
  if (!only || only === 'sweep') {
    process.stderr.write('bench: one sweep over linked, unchanged users in the bridge\'s own process, then one after changes ...\n');
    for (const row of await benchSweep()) rows.push(row);
  }
  if (!only || only === 'rules') {
    process.stderr.write('bench: rule evaluation alone, in process ...\n');
    for (const row of benchRules()) rows.push(row);
  }
  if (!only || only === 'login') {
    process.stderr.write('bench: broker logins through real Keycloak, with and without the provisioning step (alternating) ...\n');
    for (const [k, v, t] of await benchLogin()) rows.push([k, v, t]);
  }
  rows.push(['reference CPU loop, before / after (host speed: compare runs only when these are alike)', `${speedBefore.toFixed(0)} ms / ${referenceLoopMs().toFixed(0)} ms`, '']);
  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length)), 10];
  console.log(`\n${'measure'.padEnd(w[0])}  ${'value'.padEnd(w[1])}  target`);
  for (const [k, v, t] of rows) console.log(`${k.padEnd(w[0])}  ${v.padEnd(w[1])}  ${t}`);
  process.exit(0);
}

main().catch((err: Error) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});

function describe(setup: BridgeBenchSetup): string {
  return `${setup.store}, ${setup.instances} bridge${setup.instances > 1 ? 's' : ''}`;
}
