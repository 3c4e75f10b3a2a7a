import { benchBridge } from './bridge-bench';
import { benchLogin } from './login-bench';
import { benchRules } from './rules-bench';
import { benchSweep } from './sweep-bench';

/** `npm run bench`: prints the measured figures against the product's targets. Not a test: nothing is asserted. */
async function main(): Promise<void> {
  const only = process.argv[2];
  const rows: [string, string, string][] = [];
  if (!only || only === 'bridge') {
    process.stderr.write('bench: the bridge alone (own process), BMS emulator at zero latency ...\n');
    const bridge = await benchBridge();
    const targets: [RegExp, string][] = [
      [/^sustained webhooks per second/, '>= 1500'],
      [/^latency p99/, '<= 10 ms'],
      [/^BMS calls per new user/, '<= 2'],
      [/^BMS calls per unchanged returning user/, '0'],
      [/^bridge resident memory/, '< 150 MiB'],
    ];
    for (const [k, v] of Object.entries(bridge)) rows.push([k, v, targets.find(([re]) => re.test(k))?.[1] ?? '']);
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
  const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length)), 10];
  console.log(`\n${'measure'.padEnd(w[0])}  ${'value'.padEnd(w[1])}  target`);
  for (const [k, v, t] of rows) console.log(`${k.padEnd(w[0])}  ${v.padEnd(w[1])}  ${t}`);
  process.exit(0);
}

main().catch((err: Error) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
