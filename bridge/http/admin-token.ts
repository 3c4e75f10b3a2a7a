import { timingSafeEqual } from 'node:crypto';

import type { Request } from 'express';

/**
 * Whether the request carries `Authorization: Bearer <token>` with the admin token (BRIDGE_ADMIN_TOKEN), compared in
 * constant time. False when no token is configured: an endpoint behind it is then off.
 */
export function hasAdminToken(req: Request, token: string | undefined): boolean {
  if (!token) return false;
  const given = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
