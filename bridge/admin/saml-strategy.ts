/** The admin sign-in's passport-saml strategies against the broker realm, and the role check a sign-in passes. */

import { Profile, Strategy, ValidateInResponseTo, VerifiedCallback } from '@node-saml/passport-saml';

import { Logger } from '../log/logger';
import { ExpiringEntries } from '../store/expiring-entries';
import { AdminUser } from './admin-user';
import { idpSigningCerts } from './idp-metadata';
import { StoredRequestIds } from './saml-request-ids';
import { ACS_PATH, AdminSignInSettings, SLO_PATH } from './sign-in-settings';

/**
 * The passport-saml strategy for `purpose`: the admin sign-in (AuthnRequest, ACS, role check) or the logout (SLO),
 * with the broker realm's signing certificates read from its metadata and the request ids kept in `entries`.
 */
export function samlStrategy(settings: AdminSignInSettings, entries: ExpiringEntries, log: Logger, purpose: 'sign-in' | 'logout'): Strategy {
  let certs: { at: number; value: Promise<string[]> } | undefined;
  const idpCert = (callback: (err: Error | null, cert?: string[]) => void): void => {
    // read from the realm's metadata, and again hourly (or after a failure), so a key rotation needs no restart
    if (!certs || Date.now() - certs.at > 3_600_000) certs = { at: Date.now(), value: idpSigningCerts(`${settings.idpSsoUrl}/descriptor`) };
    certs.value.then((c) => callback(null, c), (err: Error) => ((certs = undefined), callback(err)));
  };
  // the role is checked here, in the one place a sign-in response becomes a user, so no route can skip it
  const signon = (profile: Profile | null, done: VerifiedCallback): void => {
    if (purpose === 'logout') return done(null, undefined, { message: 'a sign-in response is not a single-logout message' });
    if (!profile) return done(new Error('the SAML response names no one'));
    const roles = [(profile.attributes as Record<string, unknown> | undefined)?.Role ?? []].flat().map(String);
    if (!roles.includes(settings.role)) {
      log.warn({ admin: profile.nameID }, 'admin pages: sign-in refused, the role is missing');
      return done(null, undefined, { withoutRole: profile.nameID });
    }
    const now = Date.now();
    const user: AdminUser = { name: profile.nameID, nameID: profile.nameID, nameIDFormat: profile.nameIDFormat, sessionIndex: profile.sessionIndex, signedInAt: now, checkedAt: now };
    done(null, user as unknown as Record<string, unknown>);
  };
  // single logout started at Keycloak: the session of the same person ends
  const logout = (profile: Profile | null, done: VerifiedCallback): void => {
    log.info({ admin: profile?.nameID }, 'admin pages: single logout from Keycloak');
    done(null, profile as unknown as Record<string, unknown>);
  };
  return new Strategy(
    {
      callbackUrl: `${settings.publicUrl}${ACS_PATH}`,
      logoutCallbackUrl: `${settings.publicUrl}${SLO_PATH}`,
      entryPoint: settings.idpSsoUrl,
      logoutUrl: settings.idpSsoUrl,
      issuer: settings.entityId,
      audience: settings.entityId,
      idpCert,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      acceptedClockSkewMs: settings.clockSkewMs,
      maxAssertionAgeMs: 5 * 60_000,
      validateInResponseTo: purpose === 'sign-in' ? ValidateInResponseTo.always : ValidateInResponseTo.ifPresent,
      requestIdExpirationPeriodMs: 10 * 60_000,
      cacheProvider: new StoredRequestIds(entries, 10 * 60_000),
      identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      disableRequestedAuthnContext: true,
    },
    signon,
    logout,
  );
}
