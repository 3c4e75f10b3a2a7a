import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loginProvisioningRequestedSchema } from '../../bridge/webhooks/payload';

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'webhooks', 'login-provisioning-requested.json'), 'utf8')) as Record<string, unknown>;

describe('the login webhook contract (the fixture the plugin\'s JUnit test also checks)', () => {
  test('the example fixture is a valid login webhook', () => {
    const parsed = loginProvisioningRequestedSchema.parse(fixture);
    expect(parsed.user.groups).toHaveLength(3);
    expect(parsed.firstLogin).toBe(true);
  });

  test('an unknown field or a missing one is refused with its path', () => {
    const extra = loginProvisioningRequestedSchema.safeParse({ ...fixture, surprise: 1 });
    expect(extra.success).toBe(false);
    const user = { ...(fixture.user as Record<string, unknown>) };
    delete user.groups;
    const missing = loginProvisioningRequestedSchema.safeParse({ ...fixture, user });
    expect(missing.success ? [] : missing.error.issues.map((i) => i.path.join('.'))).toEqual(['user.groups']);
  });
});
