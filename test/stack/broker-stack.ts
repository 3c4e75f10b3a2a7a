import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { startKeycloak, KeycloakServer } from './keycloak-server';
import { PASSLY_REALM, standInRealmTemplate, standInSigningCert, standInSigningKey } from './passly-stand-in';
import { resolvePlaceholders } from './placeholders';
import { ensurePluginJar } from './plugin-jar';
import { findJdk } from './jdk';
import { assertPortFree, freePort } from './ports';
import { repoRoot } from './project';

export const BROKER_REALM = 'broker';
export const IDP_ALIAS = 'passly';

export interface BrokerStack {
  keycloak: KeycloakServer;
  brokerRealm: string;
  /** the broker realm's account console: the simplest page that makes a user log in through Passly */
  accountConsoleUrl: string;
  stop(): Promise<void>;
}

export interface BrokerStackOptions {
  /** 0 or undefined: any free port */
  httpPort?: number;
  managementPort?: number;
  /** more placeholder values for the realm files (the BMS client's, from the BMS stack) */
  realmValues?: Record<string, string>;
  log?: (line: string) => void;
}

/** The values the two realm files need, for a Keycloak at baseUrl whose stand-in realm plays Passly. */
export function realmValues(baseUrl: string, brokerRealm = BROKER_REALM): Record<string, string | undefined> {
  return {
    PASSLY_SSO_URL: `${baseUrl}/realms/${PASSLY_REALM}/protocol/saml`,
    PASSLY_ENTITY_ID: `${baseUrl}/realms/${PASSLY_REALM}`,
    PASSLY_SIGNING_CERT: standInSigningCert(),
    BROKER_DEFAULT_IDP: process.env.BROKER_DEFAULT_IDP,
    BROKER_SP_ENTITY_ID: `${baseUrl}/realms/${brokerRealm}`,
    BROKER_ACS_URL: `${baseUrl}/realms/${brokerRealm}/broker/${IDP_ALIAS}/endpoint`,
    PASSLY_TEST_PRIVATE_KEY: standInSigningKey(),
    PASSLY_TEST_CERTIFICATE: standInSigningCert(),
  };
}

/** The product's broker realm (keycloak-realm.json) with its placeholders resolved from the given values. */
export function brokerRealmJson(values: Record<string, string | undefined>): string {
  return resolvePlaceholders(readFileSync(join(repoRoot, 'keycloak-realm.json'), 'utf8'), values, 'keycloak-realm.json');
}

/** Keycloak with the plugin, the broker realm and the Passly stand-in realm, on 127.0.0.1. */
export async function startBrokerStack(options: BrokerStackOptions = {}): Promise<BrokerStack> {
  const log = options.log ?? (() => {});
  const httpPort = await chosenPort(options.httpPort, 'Keycloak HTTP');
  const managementPort = await chosenPort(options.managementPort, 'Keycloak management');
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const values = { ...realmValues(baseUrl), ...options.realmValues };
  const jar = ensurePluginJar(findJdk().home, log);
  const keycloak = await startKeycloak({
    httpPort,
    managementPort,
    providers: [jar],
    realms: [
      { realm: PASSLY_REALM, json: resolvePlaceholders(standInRealmTemplate(), values, 'passly-realm.json') },
      { realm: BROKER_REALM, json: brokerRealmJson(values) },
    ],
    log,
  });
  return {
    keycloak,
    brokerRealm: BROKER_REALM,
    accountConsoleUrl: `${baseUrl}/realms/${BROKER_REALM}/account`,
    stop: () => keycloak.stop(),
  };
}

export async function chosenPort(port: number | undefined, what: string): Promise<number> {
  if (!port) return freePort();
  await assertPortFree(port, what);
  return port;
}
