import type { CacheItem, CacheProvider } from '@node-saml/passport-saml';

import { ExpiringEntries } from '../store/expiring-entries';

const PREFIX = 'saml-request:';

/**
 * node-saml's cache of the AuthnRequest and LogoutRequest ids in flight (for the InResponseTo check), kept in the
 * bridge's store: the response may reach another bridge than the one that sent the request, and a response is
 * accepted once. Ids expire after `ttlMs` (an admin who takes longer to sign in at Keycloak starts again).
 */
export class StoredRequestIds implements CacheProvider {
  constructor(private readonly entries: ExpiringEntries, private readonly ttlMs: number) {}

  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    if (await this.entries.get(PREFIX + key)) return null;
    const createdAt = Date.now();
    await this.entries.put(PREFIX + key, value, createdAt + this.ttlMs);
    return { value, createdAt };
  }

  async getAsync(key: string): Promise<string | null> {
    return (await this.entries.get(PREFIX + key)) ?? null;
  }

  async removeAsync(key: string | null): Promise<string | null> {
    if (key === null) return null;
    return (await this.entries.take(PREFIX + key)) === undefined ? null : key;
  }
}
