import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from './project';

/** The Passly stand-in: a realm named "passly" that plays the SAML IdP. A test fixture, never part of the product. */
export const PASSLY_REALM = 'passly';
/** Every stand-in user has this obviously fake password. */
export const STAND_IN_PASSWORD = 'passly-demo';

const fixtures = join(repoRoot, 'test', 'fixtures', 'passly');

export interface StandInUser {
  username: string;
  firstName: string;
  lastName: string;
  email?: string;
  upn?: string;
  domain?: string;
  company?: string;
  groups: string[];
}

interface RealmUser {
  username: string;
  firstName: string;
  lastName: string;
  attributes?: Record<string, string[]>;
}

/** The stand-in realm JSON, with its ${...} placeholders still in place. */
export function standInRealmTemplate(): string {
  return readFileSync(join(fixtures, 'passly-realm.json'), 'utf8');
}

export function standInUsers(): StandInUser[] {
  const realm = JSON.parse(standInRealmTemplate()) as { users: RealmUser[] };
  return realm.users.map((u) => ({
    username: u.username,
    firstName: u.firstName,
    lastName: u.lastName,
    email: u.attributes?.mail?.[0],
    upn: u.attributes?.upn?.[0],
    domain: u.attributes?.domain?.[0],
    company: u.attributes?.company?.[0],
    groups: u.attributes?.securityGroup ?? [],
  }));
}

export function standInUser(username: string): StandInUser {
  const user = standInUsers().find((u) => u.username === username);
  if (!user) throw new Error(`no stand-in user ${username} in test/fixtures/passly/passly-realm.json`);
  return user;
}

/** A PEM file's base64 body on one line: the form Keycloak wants for keys and certificates. */
export function pemBody(fileName: string): string {
  return readFileSync(join(fixtures, fileName), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'))
    .join('');
}

/** The committed TEST-ONLY signing pair of the stand-in (never a secret: it signs nothing real). */
export const standInSigningKey = (): string => pemBody('passly-signing.TEST-ONLY.key.pem');
export const standInSigningCert = (): string => pemBody('passly-signing.TEST-ONLY.crt.pem');
/** A certificate that did not sign anything the stand-in sends: a broker trusting it must refuse the assertions. */
export const unrelatedCert = (): string => pemBody('unrelated.TEST-ONLY.crt.pem');
