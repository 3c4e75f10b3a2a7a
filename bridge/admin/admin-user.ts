/** The signed-in admin as the session keeps them, and how a request's admin is read. */

import { Request } from 'express';

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

/** The admin's user on a request, when signed in. */
export const adminOf = (req: Request): AdminUser | undefined => req.user as AdminUser | undefined;
