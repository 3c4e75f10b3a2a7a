// Derives the test fixture test/fixtures/bms/bms-v2-openapi.subset.json from the public BMS V2 OpenAPI document:
// only the operations this project calls, and the schemas they reference. Tests read the fixture, never ../shared.
// Usage: node scripts/trim-bms-openapi.js ../shared/bms/bms-v2-openapi.json
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const USED = [
  ['post', '/v2/security/authenticate'],
  ['post', '/v2/security/refreshtoken'],
  ['get', '/v2/admin/hr/departments/lookup'],
  ['get', '/v2/admin/hr/jobtitles/lookup'],
  ['get', '/v2/admin/security/roles/lookup'],
  ['get', '/v2/system/roles/lookup'],
  ['get', '/v2/system/locations/lookup'],
  ['get', '/v2/crm/accounts/lookup'],
  ['get', '/v2/system/lookup/{tableName}'],
  ['get', '/v2/hr/employees/lookup'],
  ['get', '/v2/hr/employees/searchselect'],
];

const source = process.argv[2];
if (!source) {
  console.error('usage: node scripts/trim-bms-openapi.js <path to bms-v2-openapi.json>');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(source, 'utf8'));
const paths = {};
const schemas = {};
const visit = (node) => {
  if (Array.isArray(node)) return node.forEach(visit);
  if (!node || typeof node !== 'object') return;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/components/schemas/', '');
    if (!schemas[name]) {
      schemas[name] = doc.components.schemas[name];
      visit(schemas[name]);
    }
  }
  Object.values(node).forEach(visit);
};
for (const [method, path] of USED) {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in ${source}`);
  paths[path] = { ...(paths[path] ?? {}), [method]: op };
  visit(op);
}
const out = {
  openapi: doc.openapi,
  info: { ...doc.info, description: `Subset of the public BMS V2 OpenAPI document (${USED.length} operations used by this project), derived by scripts/trim-bms-openapi.js. Unchanged otherwise.` },
  servers: doc.servers,
  paths,
  components: { schemas: Object.fromEntries(Object.keys(schemas).sort().map((k) => [k, schemas[k]])) },
};
const target = join(__dirname, '..', 'test', 'fixtures', 'bms', 'bms-v2-openapi.subset.json');
writeFileSync(target, JSON.stringify(out, null, 2) + '\n');
console.log(`wrote ${target}: ${USED.length} operations, ${Object.keys(schemas).length} schemas`);
