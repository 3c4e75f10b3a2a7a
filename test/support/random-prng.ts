import { randomBytes } from 'node:crypto';

/**
 * A small seeded random source (mulberry32), so a randomised test can be replayed exactly from its seed.
 * Not for anything secret: 32 bits of state, good enough to pick operations.
 */
export interface Random {
  readonly seed: number;
  /** uniform in [0, 1) */
  next(): number;
  /** a whole number in [min, max] */
  int(min: number, max: number): number;
  /** true with probability p */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** one key, with probability proportional to its weight */
  weighted<K extends string>(weights: Record<K, number>): K;
  /** a new array in random order (Fisher–Yates) */
  shuffle<T>(items: readonly T[]): T[];
}

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed: seed >>> 0,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (!items.length) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)];
    },
    weighted: (weights) => {
      const entries = Object.entries(weights) as [keyof typeof weights, number][];
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let r = next() * total;
      for (const [key, w] of entries) {
        if ((r -= w) < 0) return key;
      }
      return entries[entries.length - 1][0];
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
}

/** The seed from the named environment variable (decimal or 0x hex), else a fresh random one. */
export function seedFrom(variable: string, env: NodeJS.ProcessEnv = process.env): number {
  const given = env[variable]?.trim();
  if (given) {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`${variable}=${given}: must be a whole number from 0 to 4294967295`);
    return n;
  }
  return randomBytes(4).readUInt32BE(0);
}
