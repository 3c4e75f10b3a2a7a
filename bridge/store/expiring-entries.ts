/**
 * Small values that several bridges must share for a while and then forget: admin sign-in sessions and the ids of
 * SAML requests in flight. Keys are namespaced by their user (`session:…`, `saml-request:…`). Times are epoch ms.
 * Expired entries read as absent; the store's purge deletes them. Contract: test/store-contract/.
 */
export interface ExpiringEntries {
  /** The value, or undefined when absent or expired. */
  get(key: string, now?: number): Promise<string | undefined>;
  /** Stores (or replaces) the value until `expiresAt`. */
  put(key: string, value: string, expiresAt: number): Promise<void>;
  /** Removes the entry and returns the value it had (undefined when absent or expired): at most one caller gets it. */
  take(key: string, now?: number): Promise<string | undefined>;
}
