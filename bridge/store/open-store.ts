import { PostgresStore } from './postgres/postgres-store';
import { Store } from './store';
import { SqliteStore } from './sqlite/sqlite-store';

/** Where the bridge keeps its state (README, "Bridge configuration"). */
export interface StoreConfig {
  /** the SQLite file (the embedded default) */
  path: string;
  /** a PostgreSQL store (`postgres://…`), shared by several bridges; when set, `path` is not used */
  url?: string;
  /** connections to PostgreSQL */
  poolSize?: number;
}

/** Opens the configured store, migrated to this version; an Error naming the store and what to check. */
export async function openStore(config: StoreConfig): Promise<Store> {
  return config.url ? PostgresStore.open(config.url, config.poolSize) : new SqliteStore(config.path);
}
