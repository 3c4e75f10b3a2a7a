import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { MapperRepresentation } from './parse';

/** The identity provider's mappers as they were when the rule set last loaded cleanly, and when (epoch ms). */
export interface RememberedRules {
  mappers: MapperRepresentation[];
  at: number;
}

/** Keeps the last good rule set across restarts, so a bad set in Keycloak does not lock everyone out after a restart. */
export interface RuleSetMemory {
  /** the remembered rules, or undefined when none (or the file cannot be read: then there is nothing to fall back on) */
  read(): Promise<RememberedRules | undefined>;
  write(rules: RememberedRules): Promise<void>;
}

/**
 * The last good rule set in a JSON file beside the store (`<store folder>/rules-<alias>.last-good.json`), written
 * atomically (a temporary file renamed over it). Every bridge process and the CLI read the same file.
 */
export class LastGoodFile implements RuleSetMemory {
  private written?: string;

  constructor(readonly path: string) {}

  async read(): Promise<RememberedRules | undefined> {
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<RememberedRules>;
      return Array.isArray(parsed.mappers) && typeof parsed.at === 'number' ? { mappers: parsed.mappers, at: parsed.at } : undefined;
    } catch {
      return undefined;
    }
  }

  async write(rules: RememberedRules): Promise<void> {
    const text = JSON.stringify(rules.mappers);
    if (text === this.written) return; // unchanged since the last write: nothing to do every reload
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(rules, null, 1));
    renameSync(temporary, this.path);
    this.written = text;
  }
}

/** The last-good file of identity provider `idpAlias` beside the SQLite store at `storePath`; none for an in-memory store. */
export function lastGoodFileFor(storePath: string, idpAlias: string): LastGoodFile | undefined {
  return storePath === ':memory:' ? undefined : new LastGoodFile(join(dirname(storePath), `rules-${idpAlias.replace(/[^A-Za-z0-9_.-]/g, '_')}.last-good.json`));
}
