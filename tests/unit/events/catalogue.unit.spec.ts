import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue, catalogueProblems, deterministicEventId, parseEvent } from '../../../events/index.ts';

// Irregular past participles allowed as the last segment; everything else ends in -ed.
const irregular = new Set(['sent', 'read', 'set', 'reset', 'won', 'lost', 'paid', 'given', 'taken', 'made', 'begun', 'done', 'held']);

describe('catalogue', () => {
  it('is consistent: names, versions and upcaster chains', () => {
    expect(catalogueProblems(catalogue)).toEqual([]);
  });

  it.each(Object.keys(catalogue))('%s is named in the past tense', (type) => {
    const last = type.split('.').at(-1) ?? '';
    expect(last.endsWith('ed') || irregular.has(last), `${type} should end in a past participle`).toBe(true);
  });
});

describe('events/README.md', () => {
  const readme = readFileSync(new URL('../../../events/README.md', import.meta.url), 'utf8');
  const examples = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? '') as { type?: string });
  const stale = 'events/README.md is out of date with the catalogue';

  it.each(Object.entries(catalogue))('lists %s with its current dataversion', (type, def) => {
    const row = new RegExp(`^\\| \`${type.replaceAll('.', '\\.')}\` +\\| (\\d+) +\\|`, 'm').exec(readme);
    expect(row?.[1], stale).toBe(String(def.version));
  });

  it.each(['message.received', 'message.sent'])('shows an example of %s', (type) => {
    expect(examples.some((e) => e.type === type)).toBe(true);
  });

  it.each(examples.map((e, i) => [i + 1, e.type, e] as const))('example %i (%s) is a valid event', (_i, _type, example) => {
    const result = parseEvent(example);
    expect(result.ok, result.ok ? '' : `${stale}: ${result.error.message}`).toBe(true);
  });

  it('derives the id of each example with a provider message id as documented', () => {
    const received = examples.filter((e) => e.type === 'message.received') as unknown as {
      id: string;
      tenant: string;
      data: { provider: string; providerMessageId: string };
    }[];
    expect(received.length).toBeGreaterThan(0);
    for (const e of received) expect(e.id).toBe(deterministicEventId(e.tenant, e.data.provider, e.data.providerMessageId));
  });
});
