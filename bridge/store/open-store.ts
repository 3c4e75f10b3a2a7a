import { Store } from './store';
import { SqliteStore } from './sqlite/sqlite-store';

/** Where the bridge keeps its state (README, "Bridge configuration"). */
export interface StoreConfig {
  /** the SQLite file (the embedded default) */
  path: string;
}

/** Opens the configured store, migrated to this version; an Error naming the store and what to check. */
export async function openStore(config: StoreConfig): Promise<Store> {
  return new SqliteStore(config.path);
}
