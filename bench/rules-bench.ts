import { evaluate } from '../bridge/rules/evaluate';
import { MapperRepresentation, parseRuleSet } from '../bridge/rules/parse';
import { UserFacts } from '../bridge/rules/model';

const RULES = Number(process.env.BENCH_RULES ?? 5000);
const GROUPS = Number(process.env.BENCH_USER_GROUPS ?? 300);
const EVALUATIONS = Number(process.env.BENCH_EVALUATIONS ?? 5000);

/**
 * Rule evaluation alone (issue 11's target: ≤ 50 µs median): `BENCH_RULES` rules in every form a console admin writes
 * (bare names, DNs, NetBIOS-qualified names, some with a domain or a user condition) against a user in `BENCH_USER_GROUPS`
 * groups in mixed forms, none of which a rule names except the last. Each evaluation is timed alone with hrtime.
 */
export function benchRules(): [string, string, string][] {
  const fields = { 'bms.account': 'Contoso MSP', 'bms.department': 'Service Desk', 'bms.location': 'Head Office', 'bms.job.title': 'Technician', 'bms.employment.type': 'Full Time', 'bms.security.role': 'Read Only', 'bms.employee.role': 'Engineer' };
  const mappers: MapperRepresentation[] = [{ id: 'd', name: 'Defaults', identityProviderMapper: 'bms-employee-defaults', config: fields }];
  for (let i = 0; i < RULES; i++) {
    const group = [`Team-${i}`, `CN=Team-${i},OU=Groups,DC=contoso,DC=com`, `CONTOSO\\Team-${i}`][i % 3];
    const extra: Record<string, string> = i % 7 === 0 ? { 'bms.match.domain': i % 2 ? 'contoso.com' : 'FABRIKAM' } : i % 11 === 0 ? { 'bms.match.user': `user${i}@contoso.com` } : {};
    mappers.push({ id: `r${i}`, name: `Rule ${i}`, identityProviderMapper: 'bms-mapping-rule', config: { 'bms.order': String(i + 1), 'bms.match.group': group, ...extra } });
  }
  const ruleSet = parseRuleSet('passly', mappers);
  if (ruleSet.problems.length) throw new Error(`the bench's rule set has problems: ${ruleSet.problems[0]}`);
  const groups = Array.from({ length: GROUPS }, (_, i) => [`Staff-${i}`, `CN=Staff-${i},OU=Department ${i % 20},OU=Groups,DC=contoso,DC=com`, `CONTOSO\\Staff-${i}`][i % 3]);
  // the user matches a rule near the end (one without a domain or user condition), in DN form
  let target = RULES - 1;
  while (target % 7 === 0 || target % 11 === 0) target--;
  groups[GROUPS - 1] = `CN=Team-${target},OU=Groups,DC=contoso,DC=com`;
  const facts: UserFacts = { username: 'ada', email: 'ada@contoso.com', upn: 'ada@contoso.com', domain: 'CONTOSO', groups };
  const expected = evaluate(ruleSet, facts);
  if (expected.outcome !== 'provision' || expected.rule?.order !== target + 1) throw new Error(`the bench expected rule ${target + 1} to win, got ${JSON.stringify(expected.outcome)}`);
  for (let i = 0; i < 200; i++) evaluate(ruleSet, facts); // warm-up (JIT, the group cache)
  const times: number[] = [];
  for (let i = 0; i < EVALUATIONS; i++) {
    const start = process.hrtime.bigint();
    evaluate(ruleSet, facts);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): string => `${times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1)} µs`;
  return [
    [`rule evaluation, ${RULES} rules, user in ${GROUPS} groups (mixed forms): median`, at(0.5), '<= 50 µs'],
    ['rule evaluation: p99', at(0.99), ''],
    ['rule evaluations timed', String(EVALUATIONS), ''],
  ];
}
