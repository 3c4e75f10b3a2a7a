import { Action, changesOf, conflictsOf, Plan } from './model';

const MARK: Record<Action, string> = { create: '+', change: '~', keep: '=', conflict: '!', skip: '-' };
const WORD: Record<Action, string> = { create: 'create', change: 'change', keep: 'as is', conflict: 'CONFLICT', skip: 'skipped' };

/**
 * The plan as a readable diff, one block per item: `+` create, `~` change, `=` left as it is, `!` conflict (with what
 * to do), `-` an optional piece nobody asked for; then one summary line.
 */
export function renderPlan(plan: Plan): string {
  const lines = [`Realm '${plan.realm}', identity provider '${plan.idp}':`];
  for (const item of plan.items) {
    lines.push(`  ${MARK[item.action]} ${WORD[item.action].padEnd(8)} ${item.what}`);
    for (const detail of item.details) lines.push(`               ${detail}`);
    if (item.fix) lines.push(`               what to do: ${item.fix}`);
  }
  lines.push(summaryOf(plan));
  return `${lines.join('\n')}\n`;
}

/** "3 to create, 1 to change, 9 as they are, 0 conflicts" */
export function summaryOf(plan: Plan): string {
  const count = (a: Action): number => plan.items.filter((i) => i.action === a).length;
  return `${count('create')} to create, ${count('change')} to change, ${count('keep')} as they are, ${count('conflict')} conflict${count('conflict') === 1 ? '' : 's'}`;
}

/** The problems a check reports: every item that is not as it should be, with what to do about it. */
export function problemsOf(plan: Plan): string[] {
  return [...conflictsOf(plan), ...changesOf(plan)].map((i) => {
    if (i.action === 'create') return `${i.what}: missing (bridge setup adds it)`;
    if (i.action === 'change') return `${i.what}: ${i.details.join('; ')} (bridge setup changes it)`;
    return `${i.what}: ${i.details.join('; ')} (what to do: ${i.fix ?? 'see bridge setup --dry-run'})`;
  });
}
