/**
 * BMS (ASP.NET model binding) matches input names case-insensitively: `userName`, `UserName` and `USERNAME`
 * are one field. These helpers read query strings, forms and JSON bodies that way.
 */
export type Bag = Record<string, unknown>;

/** The value of a field whatever the casing of its name; the first matching key wins. */
export function pick(bag: Bag | undefined, name: string): unknown {
  if (!bag) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(bag)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function pickString(bag: Bag | undefined, name: string): string | undefined {
  const value = pick(bag, name);
  if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

/** An int32 field; undefined when absent, NaN when present but not an integer (the caller reports it). */
export function pickInt(bag: Bag | undefined, name: string): number | undefined {
  const value = pick(bag, name);
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value));
  return Number.isInteger(n) ? n : NaN;
}

export function pickBool(bag: Bag | undefined, name: string): boolean | undefined {
  const value = pickString(bag, name);
  if (value === undefined) return undefined;
  return value.toLowerCase() === 'true';
}

/** `Filter.Ids=1&Filter.Ids=2` or `Filter.Ids[0]=1`: every integer given for the name. */
export function pickIntList(bag: Bag | undefined, name: string): number[] {
  if (!bag) return [];
  const wanted = name.toLowerCase();
  const values: unknown[] = [];
  for (const [key, value] of Object.entries(bag)) {
    const bare = key.toLowerCase().replace(/\[\d*\]$/, '');
    if (bare === wanted) values.push(...(Array.isArray(value) ? value : [value]));
  }
  return values.map((v) => Number(v)).filter((n) => Number.isInteger(n));
}
