/**
 * Resolves `${NAME}` and `${NAME:default}` placeholders the way Keycloak's realm import does, for names
 * written like environment variables (upper case, digits, underscores). Other `${...}` strings, such as the
 * user profile's `${firstName}` message keys, are left untouched. A placeholder with no value and no default is
 * an error listing every such name, so a half-configured realm is never imported.
 */
export function resolvePlaceholders(text: string, values: Record<string, string | undefined>, source = 'realm file'): string {
  const missing = new Set<string>();
  const resolved = text.replace(/\$\{([A-Z][A-Z0-9_]*)(?::([^}]*))?\}/g, (whole, name: string, fallback: string | undefined) => {
    const value = values[name];
    // as in Keycloak: a variable that is set wins even when empty; the default applies only when it is unset
    if (value !== undefined) return jsonEscape(value);
    if (fallback !== undefined) return jsonEscape(fallback);
    missing.add(name);
    return whole;
  });
  if (missing.size > 0) {
    throw new Error(`${source} needs ${[...missing].map((n) => `\${${n}}`).join(', ')}: set ${missing.size === 1 ? 'this environment variable' : 'these environment variables'} (see README, "Configuring the broker realm").`);
  }
  return resolved;
}

/** Values are placed inside JSON strings, so quotes, backslashes and newlines must stay valid JSON. */
function jsonEscape(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}
