/** What the sign-in refuses: SAML messages turned away before the SAML library reads them, and the refusal page. */

import express, { NextFunction, Request, Response } from 'express';

import { html, layout } from './html';
import { responseDestination, samlResponseXml, weakAlgorithms } from './saml-response';
import { ACS_PATH, AdminSignInSettings, LOGIN_PATH } from './sign-in-settings';

/** What a person without the role is told. */
export function notAnAdmin(name: string, role: string): string {
  return `You signed in as ${name}, but the bridge's admin pages need the realm role '${role}'. Ask a Keycloak administrator of the broker realm to grant it, then sign in again.`;
}

/**
 * The single-logout endpoint takes LogoutRequest and LogoutResponse messages only: anything else (a sign-in response,
 * nothing at all) is refused before the SAML library sees it.
 */
export function onlyLogoutMessages(req: Request, res: Response, next: NextFunction): void {
  const query = req.query as Record<string, unknown>;
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (!query.SAMLRequest && !query.SAMLResponse && !body.SAMLRequest && !body.SAMLResponse) return refuse(res, 400, 'Not a logout message', 'This address takes single-logout messages from Keycloak only.');
  const posted = samlResponseXml(body);
  if (posted !== undefined && !/<(?:\w+:)?LogoutResponse\b/.test(posted.slice(0, 2000))) return refuse(res, 400, 'Not a logout message', 'This address takes single-logout messages from Keycloak only.');
  next();
}

/** SHA-256 signatures and our own ACS as the Destination, before the SAML library reads the response. */
export function checkResponse(settings: AdminSignInSettings): express.RequestHandler {
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

/** Answers `status` with the admin pages' error page: the title, what went wrong, and a link to sign in again. */
export function refuse(res: Response, status: number, title: string, message: string): void {
  res.status(status).send(layout(title, '', undefined, undefined, html`<p role="alert">${message}</p><p><a href="${LOGIN_PATH}">Sign in again</a></p>`));
}
