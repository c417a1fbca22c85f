import { accept, API_KEY, http, OVER_KAFKA, refuse, TENANT, textOf, UNDER_LIMIT, type CaseSpec, type HostileEnv } from '../support.ts';
import { transportCases } from './transport.ts';

const door = 'POST /v1/events' as const;
const PATH = '/v1/events';
const NDJSON = 'application/x-ndjson';

/** An envelope as an adapter author writes it, the marker in its id, customer and text. */
export function envelope(marker: string, overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  return {
    specversion: '1.0',
    id: `evt-${marker}`,
    source: '/adapters/hostile',
    type: 'message.received',
    time: '2026-02-01T10:00:00Z',
    tenant: TENANT,
    customer: `cus-${marker}`,
    data: { channel: 'chat', provider: 'webchat', handle: `visitor-${marker}`, text: `hello ${marker}`, ...data },
    ...overrides,
  };
}

const post = (env: HostileEnv, body: string | Buffer, contentType = 'application/json', key: string | null = API_KEY) =>
  http(env, { path: PATH, headers: { 'content-type': contentType, ...(key === null ? {} : { authorization: `Bearer ${key}` }) }, body, timeoutMs: 20_000 });

const json = (value: unknown) => JSON.stringify(value);
const lines = (values: unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n') + '\n';

/** Inserts a raw JSON member into the object text at `path` ('' is the envelope, 'data' its data). */
function withRawKey(marker: string, where: 'envelope' | 'data', key: string, value = '{"polluted":true}'): string {
  const text = json(envelope(marker));
  return where === 'envelope' ? text.replace(/^\{/, `{"${key}":${value},`) : text.replace('"data":{', `"data":{"${key}":${value},`);
}

function caseOf(name: string, expect: CaseSpec['expect'], body: (marker: string) => string | Buffer, contentType = 'application/json', key: string | null = API_KEY): CaseSpec {
  return { door, name, expect, timeoutMs: 20_000, send: (env, marker) => post(env, body(marker), contentType, key) };
}

export function eventCases(): CaseSpec[] {
  const invalid = refuse(400, 'invalid_events');
  const tooLarge = refuse(413, 'event_too_large');
  const cases: CaseSpec[] = [
    caseOf('one valid envelope', accept(202, 1, 'a valid event is appended'), (m) => json(envelope(m))),
    caseOf('a valid structured CloudEvent, pretty-printed', accept(202, 1, 'application/cloudevents+json is the same envelope'), (m) => JSON.stringify(envelope(m), null, 2), 'application/cloudevents+json; charset=UTF-8'),
    caseOf('a valid NDJSON batch of three', accept(202, 3, 'each line is an event'), (m) => lines([envelope(`${m}a`), envelope(`${m}b`), envelope(`${m}c`)]), NDJSON),
    caseOf('an NDJSON batch of 500 events', accept(202, 500, 'a batch is appended in slices, all acknowledged before the answer'), (m) => lines(Array.from({ length: 500 }, (_, i) => envelope(`${m}n${i}`))), NDJSON),
    caseOf('text just under the record limit', accept(202, 1, 'an event that fits one Kafka record is taken'), (m) => json(envelope(m, {}, { text: textOf(m, UNDER_LIMIT) }))),
    caseOf('text of 1.05 MB (over Kafka’s record size)', tooLarge, (m) => json(envelope(m, {}, { text: textOf(m, OVER_KAFKA) }))),
    caseOf('text of 1,000,001 bytes', tooLarge, (m) => json(envelope(m, {}, { text: textOf(m, 1_000_001) }))),
    caseOf('text of 1.05 MB in three-byte characters', tooLarge, (m) => json(envelope(m, {}, { text: textOf(m, OVER_KAFKA, '€') }))),
    caseOf('text of control characters that escape to six bytes each (200 k characters, 1.2 MB as a record)', tooLarge, (m) => json(envelope(m, {}, { text: `${m}${'\u0001'.repeat(200_000)}` }))),
    caseOf('an NDJSON batch with one too-large line among valid ones', tooLarge, (m) => lines([envelope(`${m}a`), envelope(`${m}b`, {}, { text: textOf(m, OVER_KAFKA) }), envelope(`${m}c`)]), NDJSON),
    caseOf('an NDJSON batch with a too-large line and an invalid one', invalid, (m) => lines([envelope(`${m}a`, {}, { text: textOf(m, OVER_KAFKA) }), { ...envelope(`${m}b`), type: 'no.such_type' }]), NDJSON),
    caseOf('an NDJSON line longer than a MiB of characters', tooLarge, (m) => lines([envelope(`${m}a`), envelope(`${m}b`, {}, { text: textOf(m, 1_100_000) })]), NDJSON),
    caseOf('5,000 invalid NDJSON lines (the answer lists 100)', invalid, (m) => lines(Array.from({ length: 5000 }, (_, i) => ({ ...envelope(`${m}x${i}`), specversion: '0.3' }))), NDJSON),
    caseOf('100,000 blank-ish lines and one invalid', invalid, (m) => '\n \r\n'.repeat(100_000) + json({ ...envelope(m), time: 'yesterday' }), NDJSON),
    caseOf('only whitespace', refuse(400, 'no_events'), () => ' \n\t\r\n  '),
    caseOf('JSON null', invalid, () => 'null'),
    caseOf('a JSON array of envelopes', invalid, (m) => json([envelope(m)])),
    caseOf('a JSON string', invalid, () => '"evt"'),
    caseOf('a number with 100,000 digits', invalid, () => '9'.repeat(100_000)),
    caseOf('trailing garbage after the envelope', invalid, (m) => `${json(envelope(m))} trailing`),
    caseOf('truncated JSON', invalid, (m) => json(envelope(m)).slice(0, 80)),
    caseOf('a byte-order mark before the envelope', accept(202, 1, 'a leading BOM is skipped, as editors write it'), (m) => `\uFEFF${json(envelope(m))}`),
    caseOf('envelope key __proto__', invalid, (m) => withRawKey(m, 'envelope', '__proto__')),
    caseOf('envelope key constructor', invalid, (m) => withRawKey(m, 'envelope', 'constructor')),
    caseOf('envelope key toString', invalid, (m) => withRawKey(m, 'envelope', 'toString', '"x"')),
    caseOf('data.__proto__ (an object)', invalid, (m) => withRawKey(m, 'data', '__proto__')),
    caseOf('data.__proto__ (null)', invalid, (m) => withRawKey(m, 'data', '__proto__', 'null')),
    caseOf('data.constructor', invalid, (m) => withRawKey(m, 'data', 'constructor', '{"prototype":{"polluted":true}}')),
    caseOf('data.hasOwnProperty', invalid, (m) => withRawKey(m, 'data', 'hasOwnProperty', '"x"')),
    caseOf('data.toString', invalid, (m) => withRawKey(m, 'data', 'toString', '1')),
    caseOf('__proto__ inside an attachment', invalid, (m) =>
      json(envelope(m)).replace('"text":', `"attachments":[{"filename":"a.txt","contentType":"text/plain","size":1,"__proto__":{"x":1}}],"text":`),
    ),
    caseOf('data nested 60 deep under an unknown key', invalid, (m) => withRawKey(m, 'data', 'extra', '['.repeat(60) + ']'.repeat(60))),
    caseOf('type constructor', refuse(400, 'invalid_events'), (m) => json({ ...envelope(m), type: 'constructor.x' })),
    caseOf('type __proto__', invalid, (m) => json({ ...envelope(m), type: '__proto__' })),
    caseOf('another tenant’s event', invalid, (m) => json({ ...envelope(m), tenant: 'someone-else' })),
    caseOf('tenant __proto__', invalid, (m) => json({ ...envelope(m), tenant: '__proto__' })),
    caseOf('an id of 10,000 characters', invalid, (m) => json({ ...envelope(m), id: `evt-${m}-${'x'.repeat(10_000)}` })),
    caseOf('a time that is not a time', invalid, (m) => json({ ...envelope(m), time: '2026-13-45T99:99:99Z' })),
    caseOf('dataversion 1e308', invalid, (m) => json({ ...envelope(m), dataversion: 1e308 })),
    caseOf('a handle with control characters', invalid, (m) => json(envelope(m, {}, { handle: `a\u0000b-${m}` }))),
    caseOf('a lone surrogate escape in the text', accept(202, 1, 'JSON allows it; the event keeps the escape as written'), (m) => json(envelope(m)).replace(`"hello ${m}"`, `"hello ${m} \\ud800"`)),
    caseOf('no API key', refuse(401, 'unauthorized'), (m) => json(envelope(m)), 'application/json', null),
    caseOf('API key __proto__', refuse(401, 'unauthorized'), (m) => json(envelope(m)), 'application/json', '__proto__'),
    caseOf('API key constructor', refuse(401, 'unauthorized'), (m) => json(envelope(m)), 'application/json', 'constructor'),
    caseOf('text/plain', refuse(415, 'unsupported_media_type'), (m) => json(envelope(m)), 'text/plain'),
  ];
  return [
    ...cases,
    ...transportCases({
      door,
      path: PATH,
      contentType: 'application/json',
      headers: () => ({ authorization: `Bearer ${API_KEY}` }),
      valid: (marker) => Buffer.from(json(envelope(marker))),
      limit: 5 * 1024 * 1024,
      json: { expect: (problem) => (problem === 'empty' ? refuse(400, 'no_events') : problem === 'unsupported_charset' ? refuse(415, problem) : refuse(400, problem)) },
    }),
    ...transportCases({
      door,
      path: PATH,
      contentType: NDJSON,
      headers: () => ({ authorization: `Bearer ${API_KEY}` }),
      valid: (marker) => Buffer.from(lines([envelope(marker)])),
      limit: 5 * 1024 * 1024,
      json: { expect: (problem) => (problem === 'empty' ? refuse(400, 'no_events') : problem === 'unsupported_charset' ? refuse(415, problem) : refuse(400, problem)) },
    }).map((c) => ({ ...c, name: `NDJSON: ${c.name}` })),
  ];
}
