import type KcAdminClient from '@keycloak/keycloak-admin-client';

/** The BMS provisioning step's alias (the required action's provider id): Keycloak keys its settings by it. */
export const STEP_ALIAS = 'bms-provisioning';

/** The step's settings in a realm (Authentication → Required actions → BMS provisioning → gear). */
export async function stepSettings(admin: KcAdminClient, realm: string): Promise<Record<string, string>> {
  const current = await admin.authenticationManagement.getRequiredActionConfig({ realm, alias: STEP_ALIAS });
  return { ...(current.config ?? {}) } as Record<string, string>;
}

/**
 * Changes some of the step's settings and returns the settings as they were. Keycloak validates them when they are
 * saved (a bad value is refused with the reason), and replaces the whole set, so the others are sent unchanged.
 */
export async function changeStepSettings(admin: KcAdminClient, realm: string, changes: Record<string, string>): Promise<Record<string, string>> {
  const before = await stepSettings(admin, realm);
  await admin.authenticationManagement.updateRequiredActionConfig({ realm, alias: STEP_ALIAS }, { config: { ...before, ...changes } });
  return before;
}

/** Runs the work with the step's settings changed, and puts them back afterwards, whatever happens. */
export async function withStepSettings<T>(admin: KcAdminClient, realm: string, changes: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const before = await changeStepSettings(admin, realm, changes);
  try {
    return await work();
  } finally {
    await admin.authenticationManagement.updateRequiredActionConfig({ realm, alias: STEP_ALIAS }, { config: before });
  }
}
