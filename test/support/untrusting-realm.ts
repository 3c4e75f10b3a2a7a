import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { unrelatedCert } from '../stack/passly-stand-in';
import { brokerRealmCopy, RealmCopy } from './broker-realm-copy';

/**
 * A copy of the product's broker realm whose Passly IdP trusts an unrelated certificate: every assertion the
 * stand-in sends it must fail signature validation.
 */
export function untrustingBrokerRealm(admin: KcAdminClient, baseUrl: string): Promise<RealmCopy> {
  // Keycloak does not store this event type by default; the test reads it back, so this copy stores it
  return brokerRealmCopy(admin, baseUrl, 'broker-untrusting', { PASSLY_SIGNING_CERT: unrelatedCert() }, { eventsEnabled: true, enabledEventTypes: ['IDENTITY_PROVIDER_RESPONSE_ERROR'] });
}
