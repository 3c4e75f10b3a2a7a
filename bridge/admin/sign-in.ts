import express, { NextFunction, Request, Response, Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import session from 'express-session';
import { Passport, Strategy as PassportStrategy } from 'passport';

import { Logger } from '../log/logger';
import { ExpiringEntries } from '../store/expiring-entries';
import { adminOf, AdminUser } from './admin-user';
import { html, layout } from './html';
import { samlStrategy } from './saml-strategy';
import { StoredSessions } from './session-store';
import { checkResponse, notAnAdmin, onlyLogoutMessages, refuse } from './sign-in-refusals';
import { ACS_PATH, AdminSignInSettings, LOGIN_PATH, SLO_PATH, StillAdmin } from './sign-in-settings';

const STRATEGY = 'admin-saml';
const LOGOUT_STRATEGY = 'admin-saml-logout';

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

/** Where to go after signing in: a path of the admin pages only (never another site). */
export function returnPath(value: unknown): string {
  return typeof value === 'string' && /^\/admin(?:[/?#]|$)/.test(value) && !value.startsWith('//') && !/[\\\r\n]/.test(value) ? value : '/admin';
}
