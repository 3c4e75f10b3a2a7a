import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation';

import { brokerRealmJson, realmValues } from '../stack/broker-stack';
import { PASSLY_REALM, standInRealmTemplate } from '../stack/passly-stand-in';
import { resolvePlaceholders } from '../stack/placeholders';
import { newWebhookSecret } from '../stack/webhook-secret';
import { unique } from './admin';
import { changeStepSettings, STEP_ALIAS } from './provisioning-step';

export interface RealmCopy {
  realm: string;
  cleanup(): Promise<void>;
  /** changes settings of the realm's BMS provisioning step */
  configureProvisioning(config: Record<string, string>): Promise<void>;
}

/**
 * A copy of the product's broker realm under its own name, with the stand-in client it needs, so a test can
 * change its settings without disturbing other tests sharing the Keycloak.
 */
export async function brokerRealmCopy(
  admin: KcAdminClient,
  baseUrl: string,
  prefix: string,
  values: Record<string, string> = {},
  realmChanges: Partial<RealmRepresentation> = {},
  /** settings of the provisioning step as imported (an import is not validated, unlike a save in the console) */
  importedStepSettings: Record<string, string> = {},
): Promise<RealmCopy> {
  const realm = unique(prefix);
  const all = {
    ...realmValues(baseUrl, realm),
    BMS_SP_ENTITY_ID: 'http://bms.invalid',
    BMS_SP_ACS_URL: 'http://bms.invalid/saml/connect.aspx',
    BMS_COMPANY_NAME: 'unused',
    BMS_BRIDGE_URL: 'http://127.0.0.1:9/unused',
    BMS_WEBHOOK_SECRET: newWebhookSecret(),
    BRIDGE_KEYCLOAK_CLIENT_SECRET: newWebhookSecret(),
    ...values,
  };
  const rep = JSON.parse(brokerRealmJson(all)) as RealmRepresentation;
  const step = rep.requiredActions?.find((a) => a.alias === STEP_ALIAS);
  if (step) step.config = { ...step.config, ...importedStepSettings };
  await admin.realms.create({ ...rep, ...realmChanges, realm });
  const standIn = JSON.parse(resolvePlaceholders(standInRealmTemplate(), all)) as { clients: ClientRepresentation[] };
  // the stand-in's "BMS tile" (IdP-initiated URL name) belongs to the main broker realm's client; a copy has none
  const { saml_idp_initiated_sso_url_name: _tile, ...attributes } = standIn.clients[0].attributes ?? {};
  const { id: clientId } = await admin.clients.create({ ...standIn.clients[0], attributes, realm: PASSLY_REALM });
  return {
    realm,
    cleanup: async () => {
      await admin.realms.del({ realm });
      await admin.clients.del({ realm: PASSLY_REALM, id: clientId });
    },
    configureProvisioning: async (config) => {
      await changeStepSettings(admin, realm, config);
    },
  };
}
