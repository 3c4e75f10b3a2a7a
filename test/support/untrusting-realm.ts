import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation';

import { brokerRealmJson, realmValues } from '../stack/broker-stack';
import { PASSLY_REALM, standInRealmTemplate, unrelatedCert } from '../stack/passly-stand-in';
import { resolvePlaceholders } from '../stack/placeholders';
import { unique } from './admin';
import { newWebhookSecret } from '../stack/webhook-secret';

/**
 * A copy of the product's broker realm under another name whose Passly IdP trusts an unrelated certificate,
 * plus the stand-in client it needs. Every assertion the stand-in sends it must fail signature validation.
 */
export async function untrustingBrokerRealm(admin: KcAdminClient, baseUrl: string): Promise<{ realm: string; cleanup: () => Promise<void> }> {
  const realm = unique('broker-untrusting');
  // the BMS client of the copy is never used: any address will do
  const values = { ...realmValues(baseUrl, realm), PASSLY_SIGNING_CERT: unrelatedCert(), BMS_SP_ENTITY_ID: 'http://bms.invalid', BMS_SP_ACS_URL: 'http://bms.invalid/saml/connect.aspx', BMS_COMPANY_NAME: 'unused', BMS_BRIDGE_URL: 'http://127.0.0.1:9/unused', BMS_WEBHOOK_SECRET: newWebhookSecret() };
  const rep = JSON.parse(brokerRealmJson(values)) as RealmRepresentation;
  // Keycloak does not store this event type by default; the test reads it back, so this copy stores it
  await admin.realms.create({ ...rep, realm, eventsEnabled: true, enabledEventTypes: ['IDENTITY_PROVIDER_RESPONSE_ERROR'] });
  const standIn = JSON.parse(resolvePlaceholders(standInRealmTemplate(), values)) as { clients: ClientRepresentation[] };
  const { id: clientId } = await admin.clients.create({ ...standIn.clients[0], realm: PASSLY_REALM });
  return {
    realm,
    cleanup: async () => {
      await admin.realms.del({ realm });
      await admin.clients.del({ realm: PASSLY_REALM, id: clientId });
    },
  };
}
