import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation';

import { brokerRealmJson, realmValues } from '../stack/broker-stack';
import { PASSLY_REALM, standInRealmTemplate } from '../stack/passly-stand-in';
import { resolvePlaceholders } from '../stack/placeholders';
import { newWebhookSecret } from '../stack/webhook-secret';
import { unique } from './admin';

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
export async function brokerRealmCopy(admin: KcAdminClient, baseUrl: string, prefix: string, values: Record<string, string> = {}, realmChanges: Partial<RealmRepresentation> = {}): Promise<RealmCopy> {
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
  await admin.realms.create({ ...rep, ...realmChanges, realm });
  const standIn = JSON.parse(resolvePlaceholders(standInRealmTemplate(), all)) as { clients: ClientRepresentation[] };
  const { id: clientId } = await admin.clients.create({ ...standIn.clients[0], realm: PASSLY_REALM });
  return {
    realm,
    cleanup: async () => {
      await admin.realms.del({ realm });
      await admin.clients.del({ realm: PASSLY_REALM, id: clientId });
    },
    configureProvisioning: async (config) => {
      const executions = await admin.authenticationManagement.getExecutions({ realm, flow: 'passly post broker login' });
      const step = executions.find((e) => e.providerId === 'bms-provisioning');
      if (!step?.authenticationConfig) throw new Error(`realm ${realm} has no configured BMS provisioning step`);
      const current = await admin.authenticationManagement.getConfig({ realm, id: step.authenticationConfig });
      await admin.authenticationManagement.updateConfig({ ...current, realm, config: { ...current.config, ...config } });
    },
  };
}
