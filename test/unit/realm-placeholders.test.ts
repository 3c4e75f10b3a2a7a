import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

describe('keycloak-realm.json placeholders', () => {
  const names = [...new Set([...read('keycloak-realm.json').matchAll(/\$\{([A-Z][A-Z0-9_]*)(?::[^}]*)?\}/g)].map((m) => m[1]))].sort();

  test('the realm file has the placeholders an admin sets', () => {
    expect(names).toEqual(expect.arrayContaining(['PASSLY_SSO_URL', 'PASSLY_ENTITY_ID', 'PASSLY_SIGNING_CERT', 'BMS_SP_ENTITY_ID', 'BMS_BRIDGE_URL', 'BMS_WEBHOOK_SECRET']));
  });

  test('every one is in config/broker-realm.env.example and in the README', () => {
    const example = read('config/broker-realm.env.example');
    const readme = read('README.md');
    expect(names.filter((n) => !new RegExp(`^${n}=`, 'm').test(example))).toEqual([]);
    expect(names.filter((n) => !readme.includes(n) && !readme.includes(`…${n.replace(/^BMS_PROVISIONING/, '')}`))).toEqual([]);
  });

  test('the example uses obviously fake values', () => {
    for (const line of read('config/broker-realm.env.example').split('\n').filter((l) => /^[A-Z_]+=https?:/.test(l))) {
      expect(line).toMatch(/\.invalid[/:]?|example/);
    }
  });
});
