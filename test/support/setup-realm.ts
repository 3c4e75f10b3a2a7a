import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation';
import type RealmRepresentation from '@keycloak/keycloak-admin-client/lib/defs/realmRepresentation';

import { realmValues } from '../stack/broker-stack';
import { PASSLY_REALM, standInRealmTemplate, standInSigningCert } from '../stack/passly-stand-in';
import { resolvePlaceholders } from '../stack/placeholders';
import { unique } from './admin';

/** A realm as an organisation has it before installing the product, with things of its own that setup must leave alone. */
export interface BareRealm {
  realm: string;
  /** the realm's own: listeners, clients, a browser flow bound to the realm, a mapper on the identity provider */
  own: { listeners: string[]; clients: string[]; flow: string; mapper: string };
  /** the stand-in's BMS tile for this realm: opening it makes Passly post an unsolicited response to `…/clients/bms` */
  tileUrl: string;
  /** the realm as Keycloak's partial export gives it (clients, groups and roles included; secrets masked) */
  exported(): Promise<RealmRepresentation>;
  cleanup(): Promise<void>;
}

/**
 * Creates through the admin API a realm with a SAML identity provider `passly` pointing at the stand-in (its import
 * sync mode, an e-mail importer of its own in IMPORT mode and a department importer), two clients, a browser flow of
 * its own bound to the realm, and listeners of its own; and the stand-in's client for it. `plant` changes the realm
 * before anything is read (a conflict for setup to find).
 */
export async function bareRealm(admin: KcAdminClient, baseUrl: string, prefix: string, plant?: (realm: string) => Promise<void>): Promise<BareRealm> {
  const realm = unique(prefix);
  const values = realmValues(baseUrl, realm);
  const own = { listeners: ['jboss-logging', 'email'], clients: ['intranet', 'wiki'], flow: 'corporate browser', mapper: 'department' };
  await admin.realms.create({ realm, enabled: true, eventsEnabled: true, eventsListeners: own.listeners });
  await admin.authenticationManagement.copyFlow({ realm, flow: 'browser', newName: own.flow });
  await admin.realms.update({ realm }, { browserFlow: own.flow });
  await admin.clients.create({ realm, clientId: 'intranet', protocol: 'openid-connect', publicClient: true, redirectUris: ['https://intranet.example.invalid/*'] });
  await admin.clients.create({ realm, clientId: 'wiki', protocol: 'saml', redirectUris: ['https://wiki.example.invalid/saml'] });
  await admin.identityProviders.create({
    realm,
    alias: 'passly',
    displayName: 'Passly',
    providerId: 'saml',
    enabled: true,
    trustEmail: true,
    config: {
      singleSignOnServiceUrl: values.PASSLY_SSO_URL,
      idpEntityId: values.PASSLY_ENTITY_ID,
      signingCertificate: standInSigningCert(),
      validateSignature: 'true',
      wantAssertionsSigned: 'true',
      signatureAlgorithm: 'RSA_SHA256',
      postBindingResponse: 'true',
      postBindingAuthnRequest: 'true',
      nameIDPolicyFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
      principalType: 'SUBJECT',
      syncMode: 'IMPORT',
    },
  });
  const importer = (name: string, attribute: string, userAttribute: string) =>
    admin.identityProviders.createMapper({ realm, alias: 'passly', identityProviderMapper: { name, identityProviderAlias: 'passly', identityProviderMapper: 'saml-user-attribute-idp-mapper', config: { syncMode: 'IMPORT', 'attribute.name': attribute, 'user.attribute': userAttribute } } });
  await importer('e-mail', 'Email', 'email');
  await importer(own.mapper, 'Department', 'department');
  await plant?.(realm);
  // the stand-in (Passly) knows this realm as a SAML application, with a "BMS tile" of its own (the stand-in's own
  // IdP-initiated name must differ from the main broker realm's); the tile posts to this realm's …/clients/bms
  const standIn = JSON.parse(resolvePlaceholders(standInRealmTemplate(), values)) as { clients: ClientRepresentation[] };
  const tile = `tile-${realm}`;
  const attributes = { ...standIn.clients[0].attributes, saml_idp_initiated_sso_url_name: tile };
  const { id: standInClient } = await admin.clients.create({ ...standIn.clients[0], attributes, realm: PASSLY_REALM });
  return {
    realm,
    tileUrl: `${baseUrl}/realms/${PASSLY_REALM}/protocol/saml/clients/${tile}`,
    own,
    exported: async () => inStableOrder(await admin.realms.export({ realm, exportClients: true, exportGroupsAndRoles: true })),
    cleanup: async () => {
      await admin.realms.del({ realm });
      await admin.clients.del({ realm: PASSLY_REALM, id: standInClient });
    },
  };
}

/**
 * An export with the lists Keycloak gives in no fixed order sorted (a client's default and optional client scopes came
 * back in another order in one of two exports of an unchanged realm), so two exports compare by content.
 */
function inStableOrder(rep: RealmRepresentation): RealmRepresentation {
  const sorted = (list: string[] | undefined): string[] | undefined => list && [...list].sort();
  const clients = rep.clients?.map((c) => ({ ...c, defaultClientScopes: sorted(c.defaultClientScopes), optionalClientScopes: sorted(c.optionalClientScopes) }));
  return { ...rep, clients, defaultDefaultClientScopes: sorted(rep.defaultDefaultClientScopes), defaultOptionalClientScopes: sorted(rep.defaultOptionalClientScopes) } as RealmRepresentation;
}
