import type KcAdminClient from '@keycloak/keycloak-admin-client';

import { PASSLY_REALM, STAND_IN_PASSWORD } from '../stack/passly-stand-in';
import { unique } from './admin';

/** A person in the Passly stand-in, as a test needs them: what Passly will send for them. */
export interface NewStandInUser {
  firstName: string;
  lastName: string;
  /** the local part of the e-mail; a random suffix keeps tests (and reruns against the demo) apart */
  mailbox: string;
  domain: string;
  groups: string[];
}

export interface StandInPerson {
  id: string;
  /** their sign-in name at the stand-in, also their e-mail and UPN */
  username: string;
  email: string;
  /** changes what Passly sends from their next Passly login on */
  update(changes: { groups?: string[]; domain?: string }): Promise<void>;
}

/** Adds a person to the stand-in (password: the stand-in's), like an AD account synced to Passly. */
export async function addStandInUser(admin: KcAdminClient, person: NewStandInUser): Promise<StandInPerson> {
  const email = `${unique(person.mailbox)}@${person.domain}`;
  const attributes = (domain: string, groups: string[]): Record<string, string[]> => ({ mail: [email], upn: [email], domain: [domain], securityGroup: groups });
  const { id } = await admin.users.create({
    realm: PASSLY_REALM,
    username: email,
    firstName: person.firstName,
    lastName: person.lastName,
    enabled: true,
    attributes: attributes(person.domain, person.groups),
    credentials: [{ type: 'password', value: STAND_IN_PASSWORD, temporary: false }],
  });
  return {
    id,
    username: email,
    email,
    update: async ({ groups, domain }) => {
      const current = await admin.users.findOne({ realm: PASSLY_REALM, id, userProfileMetadata: false });
      const now = current?.attributes ?? {};
      await admin.users.update({ realm: PASSLY_REALM, id }, { ...current, attributes: { ...now, ...attributes(domain ?? now.domain?.[0] ?? person.domain, groups ?? now.securityGroup ?? []) } });
    },
  };
}
