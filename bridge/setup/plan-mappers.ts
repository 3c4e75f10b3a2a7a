import { mapperProblems } from '../rules/mapper-checks';
import { PlanItem } from './model';
import { SetupOptions } from './options';
import { RealmState } from './realm-state';
import { USER_ATTRIBUTES } from '../keycloak/attributes';
import { FORCE, Importer, importerConfig, IMPORTERS, PLUGIN, SAML_IMPORTER } from './wiring';

type Mapper = RealmState['mappers'][number];

/** The SAML attribute an importer reads (its name, or its friendly name when that is what it matches). */
const importsFrom = (m: Mapper): string[] => [m.config['attribute.name'], m.config['attribute.friendly.name']].filter((v): v is string => !!v);

/** The user attributes only the product fills: Passly's three through setup's importers, the bridge's two by itself. */
const PRODUCT_ATTRIBUTES: string[] = Object.values(USER_ATTRIBUTES);

/**
 * Mapper types whose `attribute` setting names something other than a user attribute (a user-session note), so they
 * never write one.
 */
const NOT_USER_ATTRIBUTE = ['hardcoded-user-session-attribute-idp-mapper'];

/**
 * The user attribute a mapper writes, by the config keys Keycloak's mapper types use for it: `user.attribute` (the SAML
 * and OIDC attribute importers, and most others) or `attribute` (hardcoded-attribute-idp-mapper,
 * saml-xpath-attribute-idp-mapper). Trimmed: Keycloak stores the name as the admin typed it.
 */
function fills(m: Mapper): string | undefined {
  if (NOT_USER_ATTRIBUTE.includes(m.identityProviderMapper)) return undefined;
  return (m.config['user.attribute'] ?? m.config.attribute)?.trim() || undefined;
}

/**
 * No mapper of the identity provider may write what the bridge writes (the BMS employee id, the provisioning mark):
 * a value from a sign-in would replace the bridge's, and could point a person at another BMS employee.
 */
export function planBridgeAttributes(state: RealmState, options: SetupOptions): PlanItem {
  const owned: string[] = [USER_ATTRIBUTES.employeeId, USER_ATTRIBUTES.requestedAt];
  const base = { key: 'bridge-attributes', what: `no identity-provider mapper writes ${owned.join(' or ')} (the bridge's)`, ops: [] };
  const writers = state.mappers.filter((m) => owned.includes(fills(m) ?? ''));
  if (!writers.length) return { ...base, action: 'keep', details: ['none does'] };
  return {
    ...base,
    action: 'conflict',
    details: writers.map((m) => `mapper '${m.name}' (${m.identityProviderMapper}) writes '${fills(m) ?? ''}'`),
    fix: `delete ${writers.map((m) => `'${m.name}'`).join(', ')} or point it at another user attribute (Identity providers → ${options.idp} → Mappers), then run setup again: only the bridge writes these`,
  };
}

/**
 * One item per Passly attribute: an importer of that attribute into the right user attribute, whose sync mode
 * refreshes the value on every login. Conflicts: an importer of the attribute into another user attribute, or of
 * another attribute into ours (the product would read someone else's data), a mapper of another type that writes one of
 * the product's attributes (a hardcoded or XPath attribute mapper), or a mapper of another kind under the name setup
 * would give its importer.
 */
export function planImporters(state: RealmState, options: SetupOptions): PlanItem[] {
  return IMPORTERS.map((importer) => planImporter(state, options, importer));
}

function planImporter(state: RealmState, options: SetupOptions, importer: Importer): PlanItem {
  const base = { key: `importer:${importer.samlAttribute}`, what: `attribute importer ${importer.samlAttribute} → ${importer.userAttribute}`, ops: [] };
  const importers = state.mappers.filter((m) => m.identityProviderMapper === SAML_IMPORTER);
  const elsewhere = importers.find((m) => importsFrom(m).includes(importer.samlAttribute) && m.config['user.attribute'] !== importer.userAttribute);
  if (elsewhere) {
    return { ...base, action: 'conflict', details: [`importer '${elsewhere.name}' maps ${importer.samlAttribute} to '${elsewhere.config['user.attribute'] ?? ''}'`], fix: `point importer '${elsewhere.name}' at user attribute '${importer.userAttribute}' (Identity providers → ${options.idp} → Mappers), or delete it and run setup again` };
  }
  const intruder = importers.find((m) => m.config['user.attribute'] === importer.userAttribute && !importsFrom(m).includes(importer.samlAttribute));
  if (intruder) {
    return { ...base, action: 'conflict', details: [`importer '${intruder.name}' fills '${importer.userAttribute}' from ${importsFrom(intruder).join('/') || 'no attribute'}`], fix: `'${importer.userAttribute}' must hold Passly's ${importer.samlAttribute}: delete importer '${intruder.name}' or point it at another user attribute, then run setup again` };
  }
  const other = PRODUCT_ATTRIBUTES.includes(importer.userAttribute) ? state.mappers.filter((m) => m.identityProviderMapper !== SAML_IMPORTER && fills(m) === importer.userAttribute) : [];
  if (other.length) {
    return { ...base, action: 'conflict', details: other.map((m) => `mapper '${m.name}' (${m.identityProviderMapper}) also writes '${importer.userAttribute}'`), fix: `'${importer.userAttribute}' must hold only Passly's ${importer.samlAttribute}: delete ${other.map((m) => `'${m.name}'`).join(', ')} or point it at another user attribute (Identity providers → ${options.idp} → Mappers), then run setup again` };
  }
  const found = importers.find((m) => importsFrom(m).includes(importer.samlAttribute));
  if (found) {
    const mode = found.config.syncMode ?? 'INHERIT';
    const effective = mode === 'INHERIT' ? state.idp?.syncMode : mode;
    if (effective === FORCE) return { ...base, action: 'keep', details: [`importer '${found.name}', sync mode ${mode === 'INHERIT' ? `inherited (${FORCE})` : FORCE}`] };
    return {
      ...base,
      action: 'change',
      details: [`importer '${found.name}': sync mode ${mode}${mode === 'INHERIT' ? ` (${effective ?? '?'})` : ''} → ${FORCE} (every login refreshes the value)`],
      ops: [{ kind: 'set-mapper-sync-mode', id: found.id, name: found.name, syncMode: FORCE, before: mode }],
    };
  }
  const namesake = state.mappers.find((m) => m.name === importer.name);
  if (namesake) {
    return { ...base, action: 'conflict', details: [`a mapper named '${importer.name}' (${namesake.identityProviderMapper}) does something else`], fix: `rename mapper '${importer.name}' of identity provider '${options.idp}', then run setup again` };
  }
  return { ...base, action: 'create', details: [`new importer '${importer.name}': ${importer.samlAttribute} → ${importer.userAttribute}, sync mode ${FORCE}`], ops: [{ kind: 'create-idp-mapper', mapper: { name: importer.name, identityProviderMapper: SAML_IMPORTER, config: importerConfig(importer) } }] };
}

/**
 * The BMS employee defaults mapper: an existing one is never touched; a new one only when setup was given its values,
 * checked first as the plugin checks it when it is saved (rules/mapper-checks.ts, the shared contract), against the
 * identity provider's rules: Keycloak would refuse it part-way through an apply.
 */
export function planDefaultsMapper(state: RealmState, options: SetupOptions): PlanItem {
  const base = { key: 'defaults-mapper', what: 'BMS employee defaults mapper', ops: [] };
  const existing = state.mappers.filter((m) => m.identityProviderMapper === PLUGIN.defaultsMapper);
  if (existing.length) return { ...base, action: 'keep', details: existing.map((m) => `'${m.name}' (left as it is)`) };
  if (!options.employeeDefaults) return { ...base, action: 'skip', details: [`none: add one on identity provider '${options.idp}' (Mappers → BMS employee defaults), or give setup --employee-defaults FILE`] };
  const config = { syncMode: 'INHERIT', ...options.employeeDefaults };
  const others = state.mappers.map((m) => ({ id: m.id, name: m.name, type: m.identityProviderMapper, config: m.config }));
  const problems = mapperProblems({ id: 'candidate', name: 'BMS employee defaults', type: PLUGIN.defaultsMapper, config }, others);
  if (problems.length) return { ...base, action: 'conflict', details: problems.map((p) => p.message), fix: 'correct the file given with --employee-defaults, then run setup again' };
  return { ...base, action: 'create', details: Object.entries(config).map(([k, v]) => `${k}: ${v}`), ops: [{ kind: 'create-idp-mapper', mapper: { name: 'BMS employee defaults', identityProviderMapper: PLUGIN.defaultsMapper, config } }] };
}
