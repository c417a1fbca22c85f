import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseEventJson } from '../../../events/index.ts';
import { matchSupportAddress, supportRecipients } from '../../../src/channels/email/addresses.ts';
import { ENVELOPE_HEADROOM_BYTES, messageTooLarge } from '../../../src/channels/limits.ts';
import { MAX_KEPT_BODY_BYTES, rejectedRecord } from '../../../src/channels/rejected.ts';
import { formEncodingProblem, param, parseForm } from '../../../src/channels/twilio/form.ts';
import { twilioSignature } from '../../../src/channels/twilio/signature.ts';
import { ApiError } from '../../../src/http/errors.ts';
import { charsetOf, forbiddenKey, jsonBodyProblem, jsonDepthExceeds, MAX_JSON_DEPTH, readJsonBody } from '../../../src/http/input.ts';
import { isRecordTooLarge, recordBytes } from '../../../src/log/record-size.ts';
import { receivedEnvelope } from '../events/fixtures.ts';

const deep = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));
const problemOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof ApiError) return { status: err.statusCode, code: err.code };
    throw err;
  }
  return undefined;
};

describe('JSON bodies at the door', () => {
  it('nesting is counted without parsing, strings and escapes skipped, each NDJSON line on its own', () => {
    expect(jsonDepthExceeds(deep(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonDepthExceeds(deep(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"${'['.repeat(1000)}\\"["}`))).toBe(false);
    expect(jsonDepthExceeds(deep(1_000_000))).toBe(true);
    const lines = Buffer.from(`${'['.repeat(40)}\n${'['.repeat(40)}\n`);
    expect(jsonDepthExceeds(lines, MAX_JSON_DEPTH, true)).toBe(false);
    expect(jsonDepthExceeds(lines, MAX_JSON_DEPTH, false)).toBe(true);
  });

  it('refuses another charset (415), bytes that are not UTF-8 and too deep a value (400), each by name', () => {
    expect(charsetOf('application/json; Charset="UTF-8"')).toBe('utf-8');
    expect(jsonBodyProblem('application/json; charset=utf-8', Buffer.from('{}'))).toBeUndefined();
    expect(jsonBodyProblem('application/json; charset=latin1', Buffer.from('{}'))).toMatchObject({ statusCode: 415, code: 'unsupported_charset' });
    expect(jsonBodyProblem('application/json', Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x7d]))).toMatchObject({ statusCode: 400, code: 'invalid_encoding' });
    expect(jsonBodyProblem('application/json', deep(100))).toMatchObject({ statusCode: 400, code: 'too_deep' });
  });

  it('finds __proto__ and constructor.prototype keys anywhere, and nothing else', () => {
    expect(forbiddenKey(JSON.parse('{"a":[{"b":{"__proto__":{"x":1}}}]}'))).toBe('__proto__');
    expect(forbiddenKey(JSON.parse('{"constructor":{"prototype":{"x":1}}}'))).toBe('constructor.prototype');
    expect(forbiddenKey(JSON.parse('{"constructor":"a","toString":1,"hasOwnProperty":{}}'))).toBeUndefined();
    expect(problemOf(() => readJsonBody('application/json', Buffer.from('{"by":"a","__proto__":{}}')))).toEqual({ status: 400, code: 'forbidden_key' });
    expect(problemOf(() => readJsonBody('application/json', Buffer.from('{by:')))).toEqual({ status: 400, code: 'invalid_json' });
    expect(problemOf(() => readJsonBody('application/json', Buffer.alloc(0)))).toEqual({ status: 400, code: 'empty_body' });
    expect(readJsonBody('application/json', Buffer.from('{"by":"a"}'))).toEqual({ by: 'a' });
  });
});

describe('lookups keyed by input', () => {
  it('a Twilio form key is a key like any other: __proto__, constructor, toString', () => {
    const params = parseForm('__proto__=a&constructor=b&toString=c&hasOwnProperty=d&__proto__=e&Body=hi');
    expect(param(params, '__proto__')).toBe('a');
    expect(params.__proto__).toEqual(['a', 'e']);
    expect(param(params, 'constructor')).toBe('b');
    expect(param(params, 'valueOf')).toBeUndefined();
    // Signed as Twilio signs them: every name, sorted, with its values.
    const data = 'https://x.test/sms' + 'Bodyhi' + '__proto__a__proto__e' + 'constructorb' + 'hasOwnPropertyd' + 'toStringc';
    expect(twilioSignature('token', 'https://x.test/sms', params)).toBe(createHmac('sha1', 'token').update(data).digest('base64'));
  });

  it('a Twilio form must decode to UTF-8, raw or percent-escaped', () => {
    expect(formEncodingProblem(Buffer.from('Body=100%25+sure+%zz+%'))).toBeUndefined();
    expect(formEncodingProblem(Buffer.from('Body=%E2%82%AC'))).toBeUndefined();
    expect(formEncodingProblem(Buffer.from('Body=%FF'))).toMatch(/not UTF-8/);
    expect(formEncodingProblem(Buffer.from([0x42, 0x3d, 0xc3, 0x28]))).toMatch(/not valid UTF-8/);
  });

  it('a recipient __proto__ or constructor is no support address (it once resolved the tenant to Object)', () => {
    const addresses = { 'support@acme.test': 'acme' };
    for (const raw of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '__proto__@acme.test']) expect(matchSupportAddress(addresses, raw)).toBeNull();
    expect(matchSupportAddress(new Map(Object.entries(addresses)), 'constructor')).toBeNull();
    expect(supportRecipients(addresses, ['constructor'], ['__proto__'])).toEqual([]);
  });

  it('data.__proto__ is refused as the unknown attribute it is, like any other unknown key', () => {
    const text = JSON.stringify(receivedEnvelope()).replace('"channel":', '"__proto__":{"polluted":true},"channel":');
    const result = parseEventJson(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.issues).toContainEqual(expect.objectContaining({ path: ['data', '__proto__'], code: 'unrecognized_keys' }));
    expect(parseEventJson(JSON.stringify(receivedEnvelope())).ok).toBe(true);
  });
});

describe('sizes', () => {
  const config = { kafka: { maxRecordBytes: 1_000_000 } } as Parameters<typeof messageTooLarge>[1];
  const message = (text: string) => ({ channel: 'sms' as const, provider: 'twilio', from: '+14155550100', text });

  it('a message is measured as the JSON its event carries, escapes included', () => {
    expect(messageTooLarge(message('a'.repeat(1_000_000 - ENVELOPE_HEADROOM_BYTES - 200)), config)).toBeUndefined();
    expect(messageTooLarge(message('a'.repeat(1_000_000)), config)).toMatch(/limit is 991808/);
    // 200,000 control characters are 1.2 MB as JSON.
    expect(messageTooLarge(message('\u0001'.repeat(200_000)), config)).toMatch(/1200\d{3} bytes/);
  });

  it('a record counts its key, value and headers; the broker’s refusal is recognised through causes', () => {
    expect(recordBytes({ key: 'ab', value: Buffer.from('cde'), headers: { h: 'xy', list: ['1', '22'] } })).toBe(2 + 3 + 1 + 2 + 4 + 1 + 2);
    const protocol = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
    expect(isRecordTooLarge(new Error('wrapped', { cause: protocol }))).toBe(true);
    expect(isRecordTooLarge(new Error('down'))).toBe(false);
  });

  it('what is kept of a refused body is its first bytes, with its size and hash; every header is bounded', () => {
    const body = Buffer.alloc(MAX_KEPT_BODY_BYTES * 4, 0x61);
    const record = rejectedRecord({ tenant: 't', provider: 'meta', contentType: 'x'.repeat(10_000), body, reason: 'r'.repeat(100_000), receivedAt: 'now', items: 3 });
    expect(record.value.length).toBe(MAX_KEPT_BODY_BYTES);
    expect(record.headers).toMatchObject({ rejected_size: String(body.length), rejected_items: '3', rejected_truncated: expect.stringContaining(`of ${body.length} bytes`) });
    expect(record.headers.rejected_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record.headers.rejected_reason!.length).toBeLessThanOrEqual(4000);
    expect(record.headers.rejected_content_type!.length).toBeLessThanOrEqual(256);
    const small = rejectedRecord({ tenant: null, provider: 'api', contentType: undefined, body: 'hello', reason: 'bad', receivedAt: 'now' });
    expect(small.value.toString()).toBe('hello');
    expect(small.headers.rejected_truncated).toBeUndefined();
    expect(small.key).toBe('-/api');
  });
});
