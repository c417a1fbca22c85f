import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue } from '../../../events/index.ts';
import { eventJsonSchema, renderSchemaFiles } from '../../../events/json-schema.ts';

const schemaDir = new URL('../../../events/schema/', import.meta.url);
const stale = 'events/schema/ is out of date with the zod schemas: run `npm run events:schema` and commit the result';

describe('generated JSON Schema', () => {
  const rendered = renderSchemaFiles();

  it('has exactly the checked-in files', () => {
    const onDisk = readdirSync(schemaDir).filter((name) => name.endsWith('.json')).sort();
    expect(onDisk, stale).toEqual(rendered.map((f) => f.name).sort());
  });

  it.each(rendered.map((f) => [f.name, f.content] as const))('%s is up to date', (name, content) => {
    let onDisk = '';
    try {
      onDisk = readFileSync(new URL(name, schemaDir), 'utf8');
    } catch {
      // missing file: reported by the comparison below
    }
    expect(onDisk, stale).toBe(content);
  });

  it('lists every type with its current version', () => {
    const index = JSON.parse(rendered.find((f) => f.name === 'index.json')?.content ?? '{}') as { types: { type: string; version: number }[] };
    const expected = Object.entries(catalogue)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, def]) => expect.objectContaining({ type, version: def.version }));
    expect(index.types).toEqual(expected);
  });

  it('fixes the type and describes producer input (defaults are optional)', () => {
    const schema = eventJsonSchema('message.sent') as {
      properties: { type: { const: string }; data: { required: string[]; additionalProperties: boolean } };
      required: string[];
    };
    expect(schema.properties.type.const).toBe('message.sent');
    expect(schema.properties.data.required).not.toContain('internal');
    expect(schema.properties.data.additionalProperties).toBe(false);
    expect(schema.required).not.toContain('dataversion');
  });
});
