/**
 * Trims exactly what Java's `String.trim()` trims: the characters U+0000 to U+0020 at both ends, nothing else (not the
 * no-break space or other Unicode spaces that JavaScript's `trim()` also removes). The plugin reads mapper settings and
 * webhook secrets with `String.trim()`; reading them the same way keeps the two sides accepting exactly the same text
 * (test/fixtures/contract/mapper-checks.json, secrets.json).
 */
export function javaTrim(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) <= 0x20) start++;
  while (end > start && value.charCodeAt(end - 1) <= 0x20) end--;
  return value.slice(start, end);
}
