import express, { NextFunction, Request, Response } from 'express';
import { Passport, Strategy as PassportStrategy } from 'passport';
import { Profile, Strategy, VerifiedCallback } from '@node-saml/passport-saml';

import { samlResponseXml, weakAlgorithms } from '../../bridge/admin/saml-response';
import { EmployeeStore } from './employee-store';
import { Employee, Seed } from './seed';

export interface PortalOptions {
  /** the portal's own URL, e.g. http://127.0.0.1:8082 (BMS: https://{host}); also its SAML entity id */
  baseUrl: string;
  /** the broker realm's SAML endpoint, e.g. http://127.0.0.1:8080/realms/broker/protocol/saml */
  idpSsoUrl: string;
  /** the broker realm's signing certificate (base64 DER) */
  idpCert: string;
  store: EmployeeStore;
  seed: Seed;
}

/** BMS's ACS path, kept as BMS has it. */
export const ACS_PATH = '/saml/connect.aspx';

/**
 * The BMS web portal, reduced to what the login path needs: a SAML service provider trusting the broker realm
 * (signed response and assertion, SHA-256), which shows the signed-in person's employee page, or says plainly
 * that no BMS employee exists for them.
 */
export function createPortal(options: PortalOptions): express.Express {
  const passport = new Passport();
  const strategyFor = (forceAuthn: boolean, passive = false): Strategy =>
    new Strategy(
      {
        callbackUrl: `${options.baseUrl}${ACS_PATH}`,
        entryPoint: options.idpSsoUrl,
        issuer: options.baseUrl,
        audience: options.baseUrl,
        idpCert: options.idpCert,
        wantAssertionsSigned: true,
        wantAuthnResponseSigned: true,
        identifierFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        disableRequestedAuthnContext: true,
        acceptedClockSkewMs: 5_000,
        forceAuthn,
        passive,
      },
      (profile: Profile | null, done: VerifiedCallback) => done(null, profile ?? undefined),
      (profile: Profile | null, done: VerifiedCallback) => done(null, profile ?? undefined),
    );
  const strategy = strategyFor(false);
  // passport-saml 5 is typed against @types/express 4; at run time it is an ordinary passport strategy
  passport.use('saml', strategy as unknown as PassportStrategy);
  // the same service provider asking for re-authentication (AuthnRequest ForceAuthn="true"), as BMS can for sensitive pages
  passport.use('saml-reauth', strategyFor(true) as unknown as PassportStrategy);
  // and asking only whether the person is signed in already (AuthnRequest IsPassive="true"): no login page may be shown
  passport.use('saml-passive', strategyFor(false, true) as unknown as PassportStrategy);

  const app = express();
  app.disable('x-powered-by');
  // the broker's SAML response carries every AD group of the person (SecurityGroup): about 0.8 MB for 1,500 groups of
  // 200 characters. BMS's portal is ASP.NET, whose default request limit is 4 MB (maxRequestLength 4096 KB); BMS's own
  // setting is not published, so the emulator takes ASP.NET's default rather than a figure of its own.
  app.use(express.urlencoded({ extended: false, limit: '4mb' }));
  app.use(passport.initialize());
  app.get('/', (_req, res) => res.redirect('/saml/login'));
  app.get('/saml/login', (req, res, next) => {
    const name = req.query.forceAuthn === 'true' ? 'saml-reauth' : req.query.isPassive === 'true' ? 'saml-passive' : 'saml';
    passport.authenticate(name, { session: false })(req, res, next);
  });
  app.get('/saml/metadata', (_req, res) => res.type('application/xml').send(strategy.generateServiceProviderMetadata(null)));
  app.post(ACS_PATH, requireSha256, passport.authenticate('saml', { session: false, failWithError: true }), (req, res) => {
    const profile = req.user as Profile;
    const attributes = attributesOf(profile);
    const email = first(attributes.Email) ?? profile.nameID;
    const employee = findByEmail(options.store, email);
    if (!employee) {
      res.status(403).send(page('No BMS employee', `<h1>No BMS employee exists for ${esc(email)}</h1><p>You signed in, but BMS has no employee with this e-mail address. Ask your BMS administrator, or sign in again once your account is provisioned.</p>${attributeTable(attributes)}`));
      return;
    }
    res.send(page(`${employee.firstName} ${employee.lastName}`, employeePage(employee, options.seed) + attributeTable(attributes)));
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(401).send(page('Sign-in refused', `<h1>Sign-in refused</h1><p>The SAML response was not accepted: ${esc((err as Error).message)}</p>`));
  });
  return app;
}

/** Refuses responses whose signatures or digests are not SHA-256 before the SAML library reads them. */
function requireSha256(req: Request, res: Response, next: NextFunction): void {
  const xml = samlResponseXml(req.body);
  if (!xml) {
    res.status(400).send(page('Sign-in refused', '<h1>Sign-in refused</h1><p>No SAMLResponse in the request.</p>'));
    return;
  }
  const weak = weakAlgorithms(xml);
  if (weak) {
    res.status(401).send(page('Sign-in refused', `<h1>Sign-in refused</h1><p>${esc(weak)}.</p>`));
    return;
  }
  next();
}

type Attributes = Record<string, string | string[]>;

function attributesOf(profile: Profile): Attributes {
  const raw = (profile.attributes ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]));
}

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

function findByEmail(store: EmployeeStore, email: string | null | undefined): Employee | undefined {
  const wanted = (email ?? '').trim().toLowerCase();
  return store.all().find((e) => e.emailAddress.trim().toLowerCase() === wanted);
}

function employeePage(e: Employee, seed: Seed): string {
  const name = <T extends { id: number; name: string }>(rows: T[], id: number | null): string => rows.find((r) => r.id === id)?.name ?? '—';
  const rows: [string, string][] = [
    ['Employee id', String(e.id)],
    ['User name', e.userName],
    ['E-mail', e.emailAddress],
    ['Department', name(seed.departments, e.departmentId)],
    ['Security role', name(seed.securityRoles, e.securityRoleId)],
    ['Location', name(seed.locations, e.locationId)],
    ['Job title', name(seed.jobTitles, e.jobTitleId)],
    ['Status', e.isActive ? 'Active' : 'Inactive'],
  ];
  return `<h1 id="employee-name">${esc(e.firstName)} ${esc(e.lastName)}</h1><table id="employee">${rows.map(([k, v]) => `<tr><th>${k}</th><td data-field="${k}">${esc(v)}</td></tr>`).join('')}</table>`;
}

function attributeTable(attributes: Attributes): string {
  const rows = Object.entries(attributes).map(([k, v]) => `<tr><th>${esc(k)}</th><td data-attribute="${esc(k)}">${(Array.isArray(v) ? v : [v]).map(esc).join('<br>')}</td></tr>`);
  return `<h2>SAML attributes received</h2><table id="saml-attributes">${rows.join('')}</table>`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} – Kaseya BMS (emulator)</title></head><body><p><em>Kaseya BMS portal (emulator, test fixture)</em></p>${body}</body></html>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
