import { KeycloakStartError, groupAlive, startKeycloak } from '../stack/keycloak-server';
import { freePort } from '../stack/ports';

describe('the Keycloak harness', () => {
  test('a Keycloak that cannot start fails with the tail of its log, and leaves no process behind', async () => {
    const started = startKeycloak({
      httpPort: await freePort(),
      managementPort: await freePort(),
      realms: [{ realm: 'broken', json: '{ "realm": "broken", "enabled": true, "users": [ this is not JSON' }],
      startTimeoutMs: 180_000,
    });
    const error = await started.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(KeycloakStartError);
    const failure = error as KeycloakStartError;
    expect(failure.message).toMatch(/Keycloak exited during start/);
    expect(failure.message).toContain(`--- last lines of ${failure.logFile} ---`);
    expect(failure.message).toMatch(/broken-realm\.json|JsonParseException|Unrecognized token|import/i);
    expect(groupAlive(failure.pid)).toBe(false);
  });
});
