import express, { NextFunction, Request, Response, Router } from 'express';
import { rateLimit } from 'express-rate-limit';
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
  /** a signed-in admin's role is checked in Keycloak again this often (a person who lost it is signed out) */
  roleRecheckMs: number;
}

/** Whether the Keycloak user with this user name is enabled and still holds the realm role (asked every roleRecheckMs). */
export type StillAdmin = (username: string) => Promise<boolean>;

/** A signed-in admin as the session keeps them: what SAML single logout needs, and when they signed in. */
export interface AdminUser {
  name: string;
  nameID: string;
  nameIDFormat: string;
  sessionIndex?: string;
  signedInAt: number;
  /** when Keycloak last confirmed the role (epoch ms) */
  checkedAt: number;
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
export function adminSignIn(settings: AdminSignInSettings, entries: ExpiringEntries, stillAdmin: StillAdmin, log: Logger): { router: Router; requireAdmin: express.RequestHandler; signOut: express.RequestHandler } {
  const passport = new Passport();
  const strategy = samlStrategy(settings, entries, log, 'sign-in');
  // Keycloak's LogoutResponse carries no InResponseTo: single logout is checked by its signature (and a logout request
  // from Keycloak has none to carry). This strategy never accepts a sign-in response
  const logoutStrategy = samlStrategy(settings, entries, log, 'logout');
  passport.use(STRATEGY, strategy as unknown as PassportStrategy); // passport-saml 5 is typed against @types/express 4
  passport.use(LOGOUT_STRATEGY, logoutStrategy as unknown as PassportStrategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: AdminUser, done) => done(null, user));

  const https = settings.publicUrl.startsWith('https:');
  const router = express.Router();
  router.use(
    session({
      name: 'bms_bridge_admin',
      secret: settings.sessionSecret,
      store: new StoredSessions(entries),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { path: '/admin', httpOnly: true, sameSite: 'lax', secure: https, maxAge: settings.idleMs },
      // behind a proxy that ends TLS the bridge sees http: the proxy's X-Forwarded-Proto decides whether the secure cookie may be set
      proxy: https,
    }),
  );
  router.use(passport.initialize());
  router.use(passport.session());
  router.get('/admin/saml/metadata', (_req, res) => void res.type('application/xml').send(strategy.generateServiceProviderMetadata(null)));
  // each sign-in start stores a request id in the shared store (10 minutes): anonymous callers must not flood it
  const signInStarts = rateLimit({
    windowMs: 60_000,
    limit: 30,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => refuse(res, 429, 'Too many sign-ins', 'Too many sign-ins were started from your address in the last minute. Wait a minute, then sign in again.'),
  });
  router.get(LOGIN_PATH, signInStarts, (req, res, next) => {
    req.query.RelayState = returnPath(req.query.RelayState);
    passport.authenticate(STRATEGY)(req, res, next);
  });
  router.post(ACS_PATH, express.urlencoded({ extended: false, limit: '1mb' }), checkResponse(settings), (req, res, next) => {
    passport.authenticate(STRATEGY, { failWithError: true }, (err: Error | null, user: AdminUser | false, info?: { withoutRole?: string }) => {
      if (info?.withoutRole) return refuse(res, 403, 'Not an admin of the bridge', notAnAdmin(info.withoutRole, settings.role));
      if (err || !user) return refuse(res, 401, 'Sign-in refused', `The SAML response was not accepted: ${err?.message ?? 'no user'}.`);
      req.login(user, (loginErr) => {
        if (loginErr) return next(loginErr);
        log.info({ admin: user.name }, 'admin pages: signed in');
        res.redirect(303, returnPath(req.body?.RelayState));
      });
    })(req, res, next);
  });
  // Keycloak's answer to our sign-out (or its request when the admin signed out elsewhere): node-saml checks it
  router.all(
    SLO_PATH,
    express.urlencoded({ extended: false, limit: '256kb' }),
    onlyLogoutMessages,
    passport.authenticate(LOGOUT_STRATEGY, { failWithError: true }),
    (_req: Request, res: Response) => void res.send(layout('Signed out', '', undefined, undefined, html`<p>You are signed out of the bridge's admin pages and of Keycloak.</p><p><a href="/admin">Sign in again</a></p>`)),
    (err: Error, _req: Request, res: Response, _next: NextFunction) => {
      log.warn({ error: err.message }, 'admin pages: a single-logout message was not accepted');
      res.status(400).send(layout('Single logout not accepted', '', undefined, undefined, html`<p role="alert">The single-logout message was not accepted (${err.message}). If you pressed Sign out, your bridge session ended already; to be sure Keycloak's ended too, sign out in Keycloak's account console.</p><p><a href="/admin">Admin pages</a></p>`));
    },
  );

  const requireAdmin: express.RequestHandler = (req, res, next) => {
    const user = adminOf(req);
    const signIn = (): void => {
      if (req.method === 'GET') return res.redirect(303, `${LOGIN_PATH}?RelayState=${encodeURIComponent(returnPath(req.originalUrl))}`);
      refuse(res, 401, 'Sign in first', 'Your session ended. Sign in again, then repeat what you did.');
    };
    if (!user) return signIn();
    if (Date.now() - user.signedInAt >= settings.absoluteMs) return void req.session.destroy(() => signIn());
    if (Date.now() - (user.checkedAt ?? 0) < settings.roleRecheckMs) return next();
    // the role may have been taken away (left the AD group, disabled) since sign-in: Keycloak is asked again
    stillAdmin(user.name).then(
      (still) => {
        if (!still) {
          log.warn({ admin: user.name }, 'admin pages: the role was taken away; the session ends');
          return void req.session.destroy(() => refuse(res, 403, 'Not an admin of the bridge', notAnAdmin(user.name, settings.role)));
        }
        const kept = req.session.passport?.user;
        if (kept) kept.checkedAt = Date.now();
        next();
      },
      (err: Error) => {
        log.warn({ admin: user.name, error: err.message }, 'admin pages: the role could not be checked in Keycloak');
        refuse(res, 503, 'Role not confirmed', `Keycloak could not confirm that you still hold the role '${settings.role}' (${err.message}). Try again in a moment.`);
      },
    );
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

function samlStrategy(settings: AdminSignInSettings, entries: ExpiringEntries, log: Logger, purpose: 'sign-in' | 'logout'): Strategy {
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

/** What a person without the role is told. */
function notAnAdmin(name: string, role: string): string {
  return `You signed in as ${name}, but the bridge's admin pages need the realm role '${role}'. Ask a Keycloak administrator of the broker realm to grant it, then sign in again.`;
}

/**
 * The single-logout endpoint takes LogoutRequest and LogoutResponse messages only: anything else (a sign-in response,
 * nothing at all) is refused before the SAML library sees it.
 */
function onlyLogoutMessages(req: Request, res: Response, next: NextFunction): void {
  const query = req.query as Record<string, unknown>;
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (!query.SAMLRequest && !query.SAMLResponse && !body.SAMLRequest && !body.SAMLResponse) return refuse(res, 400, 'Not a logout message', 'This address takes single-logout messages from Keycloak only.');
  const posted = samlResponseXml(body);
  if (posted !== undefined && !/<(?:\w+:)?LogoutResponse\b/.test(posted.slice(0, 2000))) return refuse(res, 400, 'Not a logout message', 'This address takes single-logout messages from Keycloak only.');
  next();
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
