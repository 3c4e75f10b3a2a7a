import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import Ajv, { ValidateFunction } from 'ajv';

type Schema = Record<string, unknown>;
interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

const doc = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'bms', 'bms-v2-openapi.subset.json'), 'utf8')) as OpenApi;

/**
 * The document's schemas are PascalCase while real answers are camelCase, so names are compared in lower case on
 * both sides. Two readings of how ASP.NET serialises these DTOs are added: every declared property is present
 * (nulls included), and a property that references another DTO may be null (C# reference types).
 */
function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (!node || typeof node !== 'object') return node;
  const src = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(src)) {
    if (key === '$ref') out.$ref = String(value).replace('#/components/schemas/', '#/definitions/');
    else if (key === 'properties') {
      const props = Object.entries(value as Record<string, Schema>).map(([name, schema]) => {
        const s = normalise(schema) as Schema;
        return [name.toLowerCase(), s.$ref ? { anyOf: [s, { type: 'null' }] } : s] as const;
      });
      out.properties = Object.fromEntries(props);
      out.required = props.map(([name]) => name);
    } else if (key !== 'readOnly' && key !== 'format') out[key] = normalise(value);
  }
  return out;
}

export function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k.toLowerCase(), lowerKeys(v)]));
}

const ajv = new Ajv({ allErrors: true, strict: false });
const definitions = normalise(doc.components.schemas) as Schema;

/** A validator for the documented 200 answer of an operation, applied to lower-cased data. */
export function responseValidator(method: string, path: string): ValidateFunction {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the subset fixture`);
  const schema = normalise(op.responses['200'].content['application/json'].schema) as Schema;
  return ajv.compile({ ...schema, definitions });
}

export function documentedOperations(): [string, string][] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => [method, path] as [string, string]));
}
