import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalogueProblems, createEventParser, type EventDefinition } from '../../../events/index.ts';

// A test-only type with a history: v1 had `body`, v2 renamed it to `text`, v3 added a required
// `channel` (old data came from e-mail). The real catalogue has no history yet.
const steps: string[] = [];
const noteTaken = {
  schema: z.strictObject({ text: z.string(), channel: z.enum(['email', 'chat']) }),
  version: 3,
  upcasters: {
    1: ({ body, ...rest }) => {
      steps.push('1->2');
      return { ...rest, text: body };
    },
    2: (data, envelope) => {
      steps.push('2->3');
      return { ...data, channel: envelope.source === '/adapters/webchat' ? 'chat' : 'email' };
    },
  },
} satisfies EventDefinition;

const parse = createEventParser({ 'note.taken': noteTaken });

const envelope = (dataversion: number | undefined, data: Record<string, unknown>) => ({
  specversion: '1.0',
  id: 'n1',
  source: '/adapters/smtp',
  type: 'note.taken',
  time: '2025-01-01T00:00:00Z',
  tenant: 'acme',
  customer: 'c1',
  ...(dataversion === undefined ? {} : { dataversion }),
  data,
});

describe('upcasting', () => {
  it('treats an absent dataversion as 1 and upcasts one step at a time, in order', () => {
    steps.length = 0;
    const result = parse(envelope(undefined, { body: 'hello' }));
    expect(steps).toEqual(['1->2', '2->3']);
    expect(result).toEqual({ ok: true, event: { ...envelope(3, { text: 'hello', channel: 'email' }) } });
  });

  it('starts from the version the event was written at', () => {
    steps.length = 0;
    const result = parse(envelope(2, { text: 'hi' }));
    expect(steps).toEqual(['2->3']);
    expect(result.ok && result.event.data).toEqual({ text: 'hi', channel: 'email' });
  });

  it('lets an upcaster use the envelope', () => {
    const result = parse({ ...envelope(2, { text: 'hi' }), source: '/adapters/webchat' });
    expect(result.ok && result.event.data.channel).toBe('chat');
  });

  it('leaves current data alone', () => {
    steps.length = 0;
    expect(parse(envelope(3, { text: 'hi', channel: 'chat' })).ok).toBe(true);
    expect(steps).toEqual([]);
  });

  it('does not mutate the input', () => {
    const input = envelope(1, { body: 'hello' });
    parse(input);
    expect(input.data).toEqual({ body: 'hello' });
  });

  it('validates the upcast result against the current schema', () => {
    const result = parse(envelope(1, { body: 42 }));
    expect(!result.ok && result.error).toMatchObject({ code: 'invalid_data', message: expect.stringContaining('upcast from version 1') });
    expect(!result.ok && result.error.issues.map((i) => i.path)).toContainEqual(['data', 'text']);
  });

  it('reports a throwing upcaster as invalid_data instead of throwing', () => {
    const failing = createEventParser({
      'note.taken': { ...noteTaken, upcasters: { ...noteTaken.upcasters, 1: () => { throw new Error('boom'); } } },
    });
    const result = failing(envelope(1, { body: 'x' }));
    expect(!result.ok && result.error).toMatchObject({ code: 'invalid_data', message: expect.stringContaining('boom') });
  });

  it('rejects a version newer than the current one', () => {
    const result = parse(envelope(4, { text: 'x', channel: 'chat' }));
    expect(!result.ok && result.error.code).toBe('unsupported_version');
  });

  it('refuses to build a parser over a gap in the upcaster chain', () => {
    const gap = { 'note.taken': { ...noteTaken, upcasters: { 1: noteTaken.upcasters[1] } } };
    expect(catalogueProblems(gap)).toEqual(['note.taken: missing upcaster from version 2 to 3']);
    expect(() => createEventParser(gap)).toThrow(/missing upcaster from version 2 to 3/);
  });
});
