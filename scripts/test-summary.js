// Prints one closing line for the whole suite ("tests: N passed, N failed") from Jest's JSON report and the
// plugin's Surefire reports, so a reader (or CI) sees the total without scrolling through two runners.
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
let passed = 0;
let failed = 0;
const jestReport = process.argv[2];
if (jestReport && existsSync(jestReport)) {
  const r = JSON.parse(readFileSync(jestReport, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
}
const surefire = join(root, 'plugin', 'target', 'surefire-reports');
if (existsSync(surefire)) {
  for (const f of readdirSync(surefire).filter((n) => n.endsWith('.xml'))) {
    const head = /<testsuite[^>]*>/.exec(readFileSync(join(surefire, f), 'utf8'))?.[0] ?? '';
    const n = (k) => Number(new RegExp(`${k}="(\\d+)"`).exec(head)?.[1] ?? 0);
    const bad = n('failures') + n('errors');
    passed += n('tests') - bad - n('skipped');
    failed += bad;
  }
}
console.log(`tests: ${passed} passed, ${failed} failed`);
