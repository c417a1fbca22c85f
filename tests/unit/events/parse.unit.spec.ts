import { describe, expect, it } from 'vitest';
import {
  createEvent,
  EventValidationError,
  parseEvent,
  parseEventJson,
  type ParseErrorCode,
  type ParseResult,
} from '../../../events/index.ts';
import { receivedEnvelope, sentEnvelope } from './fixtures.ts';

function errorOf(result: ParseResult, code: ParseErrorCode) {
  if (result.ok) throw new Error(`expected ${code}, got a valid event`);
  expect(result.error.code).toBe(code);
  return result.error;
}

const withData = (data: Record<string, unknown>) => ({ ...receivedEnvelope(), data: { ...receivedEnvelope().data, ...data } });

describe('parseEvent', () => {
  it('rejects a well-formed but unregistered type, keeping the envelope for dead-lettering', () => {
    const error = errorOf(parseEvent({ ...receivedEnvelope(), type: 'parcel.teleported' }), 'unknown_type');
    expect(error.issues.map((i) => i.path)).toEqual([['type']]);
    expect(error.envelope).toMatchObject({ tenant: 'acme', customer: 'cus_8f2k1' });
  });

  it('does not mistake Object.prototype members for types', () => {
    errorOf(parseEvent({ ...receivedEnvelope(), type: 'constructor.prototype' }), 'unknown_type');
  });

  it.each<[string, Record<string, unknown>, (string | number)[]]>([
    ['an unknown channel', { channel: 'fax' }, ['data', 'channel']],
    ['an uppercase provider', { provider: 'Twilio' }, ['data', 'provider']],
    ['an empty handle', { handle: '' }, ['data', 'handle']],
    ['empty text without attachments', { text: '' }, ['data', 'text']],
    ['a negative attachment size', { attachments: [{ filename: 'a.png', contentType: 'image/png', size: -1 }] }, ['data', 'attachments', 0, 'size']],
    ['a content type that is no MIME type', { attachments: [{ filename: 'a', contentType: 'png', size: 1 }] }, ['data', 'attachments', 0, 'contentType']],
    ['a malformed language tag', { language: 'english!' }, ['data', 'language']],
    ['an unknown data field', { body: 'hi' }, ['data', 'body']],
  ])('rejects message.received data with %s', (_name, patch, path) => {
    const error = errorOf(parseEvent(withData(patch)), 'invalid_data');
    expect(error.issues.map((i) => i.path)).toContainEqual(path);
    expect(error.envelope?.id).toBe(receivedEnvelope().id);
  });

  it('accepts empty text when attachments carry the content', () => {
    const result = parseEvent(withData({ text: '', attachments: [{ filename: 'photo.jpg', contentType: 'image/jpeg', size: 48_213, storageKey: 'acme/att/1' }] }));
    expect(result.ok).toBe(true);
  });

  it('accepts any lowercase provider slug without a contract change', () => {
    expect(parseEvent(withData({ provider: 'line-messaging' })).ok).toBe(true);
  });

  it('rejects message.sent without an author kind it knows', () => {
    const input = sentEnvelope();
    const error = errorOf(parseEvent({ ...input, data: { ...input.data, author: { kind: 'customer', id: 'x' } } }), 'invalid_data');
    expect(error.issues.map((i) => i.path)).toContainEqual(['data', 'author', 'kind']);
  });

  it('rejects a dataversion newer than the catalogue knows', () => {
    const error = errorOf(parseEvent({ ...receivedEnvelope(), dataversion: 2 }), 'unsupported_version');
    expect(error.issues.map((i) => i.path)).toEqual([['dataversion']]);
    expect(error.message).toMatch(/upgrade the reader/);
  });

  it('never throws, whatever the input', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const input of [undefined, Symbol('x'), () => 1, cyclic, { ...receivedEnvelope(), data: cyclic }]) {
      expect(() => parseEvent(input)).not.toThrow();
    }
  });
});

describe('parseEventJson', () => {
  it('parses JSON text', () => {
    expect(parseEventJson(JSON.stringify(receivedEnvelope())).ok).toBe(true);
  });

  it('reports a syntax error as invalid_json', () => {
    const error = errorOf(parseEventJson('{"specversion": "1.0",'), 'invalid_json');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toEqual([]);
  });
});

describe('createEvent', () => {
  const base = {
    type: 'message.sent' as const,
    source: '/workers/bot',
    tenant: 'acme',
    customer: 'cus_8f2k1',
    time: new Date(Date.UTC(2025, 2, 4, 8, 0, 0)),
    data: { channel: 'chat' as const, provider: 'webchat', author: { kind: 'bot' as const, id: 'faq' }, text: 'Hi!' },
  };

  it('fills in specversion, a random id, the current dataversion and data defaults', () => {
    const event = createEvent(base);
    expect(event).toMatchObject({ specversion: '1.0', dataversion: 1, time: '2025-03-04T08:00:00.000Z' });
    expect(event.id).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(event.data.internal).toBe(false);
    expect(createEvent(base).id).not.toBe(event.id);
    expect('conversation' in event).toBe(false);
  });

  it('keeps a given id', () => {
    expect(createEvent({ ...base, id: 'given' }).id).toBe('given');
  });

  it('links an event to its cause and carries the correlation along', () => {
    const first = createEvent({ ...base, causedBy: { id: 'root' } });
    expect(first).toMatchObject({ causationid: 'root', correlationid: 'root' });
    const second = createEvent({ ...base, causedBy: first });
    expect(second).toMatchObject({ causationid: first.id, correlationid: 'root' });
  });

  it('throws EventValidationError carrying the parse error', () => {
    let thrown: unknown;
    try {
      createEvent({ ...base, tenant: 'not a tenant' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EventValidationError);
    expect((thrown as EventValidationError).error.code).toBe('invalid_envelope');
    expect((thrown as EventValidationError).error.issues[0]?.path).toEqual(['tenant']);
  });
});
