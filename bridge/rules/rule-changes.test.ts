import { silentLogger } from '../log/logger';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { rulesTopic, watchRuleChanges } from './rule-changes';
import { RuleSource } from './rule-source';

test('a rule change told to one bridge reaches another on the same store within a second', async () => {
  const store = new SqliteStore(':memory:');
  let invalidated = 0;
  const otherBridgesRules = { invalidate: () => void invalidated++ } as unknown as RuleSource;
  const stop = await watchRuleChanges(store.coordination, 'passly', otherBridgesRules, silentLogger, 100);
  try {
    await new Promise((r) => setTimeout(r, 250)); // the watcher has read the version it starts from
    expect(invalidated).toBe(0);
    const told = Date.now();
    await store.coordination.bumpVersion(rulesTopic('passly')); // what the receiving bridge does on rules.changed
    while (invalidated === 0 && Date.now() - told < 2_000) await new Promise((r) => setTimeout(r, 10));
    expect(invalidated).toBe(1);
    expect(Date.now() - told).toBeLessThan(1_000);
    await store.coordination.bumpVersion(rulesTopic('another-idp'));
    await new Promise((r) => setTimeout(r, 250));
    expect(invalidated).toBe(1); // another identity provider's rules are not ours
  } finally {
    stop();
    await store.close();
  }
});
