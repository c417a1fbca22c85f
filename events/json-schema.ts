import { z } from 'zod';
import { catalogue, type Catalogue } from './catalogue.ts';
import { envelopeAttributesSchema, envelopeSchema } from './envelope.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SchemaFile {
  /** File name inside `events/schema/`. */
  name: string;
  content: string;
}

export const ENVELOPE_SCHEMA_FILE = 'envelope.schema.json';
export const schemaFileName = (type: string) => `${type}.schema.json`;

// `io: 'input'` describes what a producer may write: fields with defaults are optional.
const toJson = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' }) as Json;

/** The bare envelope: any registered type, `data` any object. */
export function envelopeJsonSchema(): Json {
  return toJson(
    envelopeSchema.meta({
      title: 'Event envelope',
      description: 'CloudEvents 1.0 envelope with our extensions; data is validated by the schema of its type.',
    }),
  );
}

/** The envelope of one type: `type` fixed, `data` its current schema, `dataversion` the current version. */
export function eventJsonSchema(type: string, c: Catalogue = catalogue): Json {
  const def = c[type];
  if (!def) throw new Error(`unknown event type ${type}`);
  // Absent dataversion means 1, so it may only be left out while the current version is 1.
  const dataversion = def.version === 1 ? z.literal(1).optional() : z.literal(def.version);
  const schema = envelopeAttributesSchema.extend({ type: z.literal(type), dataversion, data: def.schema }).meta({
    title: type,
    description: `${type} event, dataversion ${def.version}.`,
  });
  return toJson(schema);
}

/** Everything `npm run events:schema` writes, rendered: the staleness spec compares it to the files. */
export function renderSchemaFiles(c: Catalogue = catalogue): SchemaFile[] {
  const types = Object.keys(c).sort();
  const index = {
    envelope: ENVELOPE_SCHEMA_FILE,
    types: types.map((type) => ({ type, version: c[type]!.version, schema: schemaFileName(type) })),
  };
  return [
    { name: ENVELOPE_SCHEMA_FILE, content: render(envelopeJsonSchema()) },
    ...types.map((type) => ({ name: schemaFileName(type), content: render(eventJsonSchema(type, c)) })),
    { name: 'index.json', content: render(index) },
  ];
}

/** Pretty JSON with sorted keys, so reordering a zod shape does not churn the checked-in files. */
function render(value: Json): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key]!)]),
  );
}
