import express, { NextFunction, Request, Response, Router } from 'express';
import session from 'express-session';
import { Passport, Strategy as PassportStrategy } from 'passport';
import { Profile, Strategy, ValidateInResponseTo, VerifiedCallback } from '@node-saml/passport-saml';

import { Logger } from '../log/logger';
import { ExpiringEntries } from '../store/expiring-entries';
import { html, layout } from './html';
import { idpSigningCerts } from './idp-metadata';
import { StoredRequestIds } from './saml-request-ids';
import { responseDestination, samlResponseXml, weakAlgorithms } from './saml-response';
import { StoredSessions } from './session-store';

/** How the admin pages sign people in through the broker realm (README, "Admin pages"). Times in ms. */
export interface AdminSignInSettings {
  /** the bridge's URL as browsers reach it, without a trailing slash, e.g. https://bridge.example.com */
  publicUrl: string;
  /** the SAML client id of the admin pages in the broker realm (their entity id) */
  entityId: string;
  /** the broker realm's SAML endpoint, {keycloak}/realms/{realm}/protocol/saml (its metadata is at …/descriptor) */
  idpSsoUrl: string;
  /** the realm role a person needs (the SAML client sends realm roles as the multi-valued attribute `Role`) */
  role: string;
  /** a session ends after this long without a request */
  idleMs: number;
  /** and after this long in any case */
  absoluteMs: number;
  /** signs the session cookie; the same on every bridge behind one URL */
  sessionSecret: string;
  /** assertions are accepted this far from the bridge's clock */
  clockSkewMs: number;
}

/** A signed-in admin as the session keeps them: what SAML single logout needs, and when they signed in. */
export interface AdminUser {
  name: string;
  nameID: string;
  nameIDFormat: string;
  sessionIndex?: string;
  signedInAt: number;
}

declare module 'express-session' {
  interface SessionData {
    passport?: { user?: AdminUser };
  }
}

export const ACS_PATH = '/admin/saml/acs';
export const SLO_PATH = '/admin/saml/slo';
export const LOGIN_PATH = '/admin/saml/login';
const STRATEGY = 'admin-saml';
const LOGOUT_STRATEGY = 'admin-saml-logout';

/** The admin's user on a request, when signed in. */
export const adminOf = (req: Request): AdminUser | undefined => req.user as AdminUser | undefined;

/**
 * The sign-in half of the admin pages: sessions kept in the store, passport with @node-saml/passport-saml against
 * the broker realm (signed response and assertion, SHA-256, audience, destination and InResponseTo checked, clock
 * skew bounded), the role check, single logout, and `requireAdmin` for every page after it.
 */
export function adminSignIn(settings: AdminSignInSettings, entries: ExpiringEntries, log: Logger): { router: Router; requireAdmin: express.RequestHandler; signOut: express.RequestHandler } {
  const passport = new Passport();
  const strategy = samlStrategy(settings, entries, log, ValidateInResponseTo.always);
  // Keycloak's LogoutResponse carries no InResponseTo: single logout is checked by its signature (and a logout request
  // from Keycloak has none to carry); sign-in responses must answer a request this bridge made
  const logoutStrategy = samlStrategy(settings, entries, log, ValidateInResponseTo.ifPresent);
  passport.use(STRATEGY, strategy as unknown as PassportStrategy); // passport-saml 5 is typed against @types/express 4
  passport.use(LOGOUT_STRATEGY, logoutStrategy as unknown as PassportStrategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: AdminUser, done) => done(null, user));

  const router = express.Router();
  router.use(
    session({
      name: 'bms_bridge_admin',
      secret: settings.sessionSecret,
      store: new StoredSessions(entries),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { path: '/admin', httpOnly: true, sameSite: 'lax', secure: settings.publicUrl.startsWith('https:'), maxAge: settings.idleMs },
    }),
  );
  router.use(passport.initialize());
  router.use(passport.session());
  router.get('/admin/saml/metadata', (_req, res) => void res.type('application/xml').send(strategy.generateServiceProviderMetadata(null)));
  router.get(LOGIN_PATH, (req, res, next) => {
    req.query.RelayState = returnPath(req.query.RelayState);
    passport.authenticate(STRATEGY)(req, res, next);
  });
  router.post(ACS_PATH, express.urlencoded({ extended: false, limit: '1mb' }), checkResponse(settings), (req, res, next) => {
    passport.authenticate(STRATEGY, { failWithError: true }, (err: Error | null, user: AdminUser | false) => {
      if (err || !user) return refuse(res, 401, 'Sign-in refused', `The SAML response was not accepted: ${err?.message ?? 'no user'}.`);
      if (!(user as AdminUser & { roles?: string[] }).roles?.includes(settings.role)) {
        log.warn({ admin: user.name }, 'admin pages: sign-in refused, the role is missing');
        return refuse(res, 403, 'Not an admin of the bridge', `You signed in as ${user.name}, but the bridge's admin pages need the realm role '${settings.role}'. Ask a Keycloak administrator of the broker realm to grant it, then sign in again.`);
      }
      const { roles: _roles, ...kept } = user as AdminUser & { roles?: string[] };
      req.login(kept, (loginErr) => {
        if (loginErr) return next(loginErr);
        log.info({ admin: kept.name }, 'admin pages: signed in');
        res.redirect(303, returnPath(req.body?.RelayState));
      });
    })(req, res, next);
  });
  // Keycloak's answer to our sign-out (or its request when the admin signed out elsewhere): node-saml checks it
  router.all(
    SLO_PATH,
    express.urlencoded({ extended: false, limit: '256kb' }),
    passport.authenticate(LOGOUT_STRATEGY, { failWithError: true }),
    (_req: Request, res: Response) => void res.send(layout('Signed out', '', undefined, undefined, html`<p>You are signed out of the bridge's admin pages and of Keycloak.</p><p><a href="/admin">Sign in again</a></p>`)),
    (err: Error, _req: Request, res: Response, _next: NextFunction) => {
      // the bridge session ended before Keycloak was asked; only Keycloak's confirmation failed its checks
      log.warn({ error: err.message }, "admin pages: Keycloak's single-logout message was not accepted");
      res.status(400).send(layout('Signed out of the bridge', '', undefined, undefined, html`<p>You are signed out of the bridge's admin pages. Keycloak's confirmation was not accepted (${err.message}); to be sure Keycloak's session ended, sign out in Keycloak's account console too.</p><p><a href="/admin">Sign in again</a></p>`));
    },
  );

  const requireAdmin: express.RequestHandler = (req, res, next) => {
    const user = adminOf(req);
    if (user && Date.now() - user.signedInAt < settings.absoluteMs) return next();
    const expired = Boolean(user);
    const proceed = (): void => {
      if (req.method === 'GET') return res.redirect(303, `${LOGIN_PATH}?RelayState=${encodeURIComponent(returnPath(req.originalUrl))}`);
      refuse(res, 401, 'Sign in first', 'Your session ended. Sign in again, then repeat what you did.');
    };
    if (!expired) return proceed();
    req.session.destroy(() => proceed());
  };

  const signOut: express.RequestHandler = (req, res) => {
    const user = adminOf(req);
    const local = (): void => void req.session.destroy(() => res.redirect(303, SLO_PATH));
    if (!user) return local();
    logoutStrategy.logout(req as never, (err, url) => {
      log.info({ admin: user.name }, 'admin pages: signed out');
      req.session.destroy(() => {
        if (err || !url) {
          log.warn({ error: err?.message }, 'admin pages: Keycloak single logout could not be started; the bridge session ended');
          return res.send(layout('Signed out', '', undefined, undefined, html`<p>You are signed out of the bridge's admin pages. Keycloak's session could not be ended from here: ${err?.message ?? 'no logout URL'}.</p>`));
        }
        res.redirect(303, url);
      });
    });
  };
  return { router, requireAdmin, signOut };
}

function samlStrategy(settings: AdminSignInSettings, entries: ExpiringEntries, log: Logger, validateInResponseTo: ValidateInResponseTo): Strategy {
  let certs: { at: number; value: Promise<string[]> } | undefined;
  const idpCert = (callback: (err: Error | null, cert?: string[]) => void): void => {
    // read from the realm's metadata, and again hourly (or after a failure), so a key rotation needs no restart
    if (!certs || Date.now() - certs.at > 3_600_000) certs = { at: Date.now(), value: idpSigningCerts(`${settings.idpSsoUrl}/descriptor`) };
    certs.value.then((c) => callback(null, c), (err: Error) => ((certs = undefined), callback(err)));
  };
  const signon = (profile: Profile | null, done: VerifiedCallback): void => {
    if (!profile) return done(new Error('the SAML response names no one'));
    const roles = [(profile.attributes as Record<string, unknown> | undefined)?.Role ?? []].flat().map(String);
    const user: AdminUser & { roles: string[] } = { name: profile.nameID, nameID: profile.nameID, nameIDFormat: profile.nameIDFormat, sessionIndex: profile.sessionIndex, signedInAt: Date.now(), roles };
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
      validateInResponseTo,
      requestIdExpirationPeriodMs: 10 * 60_000,
      cacheProvider: new StoredRequestIds(entries, 10 * 60_000),
      identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      disableRequestedAuthnContext: true,
    },
    signon,
    logout,
  );
}

/** SHA-256 signatures and our own ACS as the Destination, before the SAML library reads the response. */
function checkResponse(settings: AdminSignInSettings): express.RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const xml = samlResponseXml(req.body);
    if (!xml) return refuse(res, 400, 'Sign-in refused', 'No SAMLResponse in the request.');
    const weak = weakAlgorithms(xml);
    if (weak) return refuse(res, 401, 'Sign-in refused', `${weak}.`);
    const destination = responseDestination(xml);
    if (destination !== `${settings.publicUrl}${ACS_PATH}`) return refuse(res, 401, 'Sign-in refused', `The SAML response is addressed to ${destination ?? 'no destination'}, not to this bridge (${settings.publicUrl}${ACS_PATH}). Check BRIDGE_PUBLIC_URL.`);
    next();
  };
}

/** Where to go after signing in: a path of the admin pages only (never another site). */
export function returnPath(value: unknown): string {
  return typeof value === 'string' && /^\/admin(?:[/?#]|$)/.test(value) && !value.startsWith('//') && !/[\\\r\n]/.test(value) ? value : '/admin';
}

function refuse(res: Response, status: number, title: string, message: string): void {
  res.status(status).send(layout(title, '', undefined, undefined, html`<p role="alert">${message}</p><p><a href="${LOGIN_PATH}">Sign in again</a></p>`));
}
