import { describe, expect, it } from 'vitest';
import { eventTimeMs, parseEvent, partitionKey, toKafkaRecord, type ParseErrorCode } from '../../../events/index.ts';
import { receivedEnvelope, sentEnvelope } from './fixtures.ts';

function expectError(input: unknown, code: ParseErrorCode, path: (string | number)[]) {
  const result = parseEvent(input);
  if (result.ok) throw new Error(`expected ${code} at ${path.join('.')}, got a valid event`);
  expect(result.error.code).toBe(code);
  expect(result.error.issues.map((i) => i.path)).toContainEqual(path);
  return result.error;
}

describe('envelope', () => {
  it('accepts a valid envelope and fills in the current dataversion', () => {
    const result = parseEvent(receivedEnvelope());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event.dataversion).toBe(1);
    expect(result.event.type).toBe('message.received');
    if (result.event.type === 'message.received') expect(result.event.data.channel).toBe('sms');
  });

  it('keeps optional attributes and applies data defaults', () => {
    const result = parseEvent(sentEnvelope());
    expect(result.ok && result.event).toMatchObject({
      conversation: 'conv_51x',
      causationid: '3f1c9e0a7b2d4c58a9e6f0b1c2d3e4f5',
      data: { internal: false },
    });
  });

  it('accepts the datacontenttype CloudEvents SDKs add', () => {
    expect(parseEvent({ ...receivedEnvelope(), datacontenttype: 'application/json' }).ok).toBe(true);
  });

  const invalid: [string, Record<string, unknown>, (string | number)[]][] = [
    ['missing specversion', { specversion: undefined }, ['specversion']],
    ['other specversion', { specversion: '0.3' }, ['specversion']],
    ['empty id', { id: '' }, ['id']],
    ['id with a newline', { id: 'a\nb' }, ['id']],
    ['empty source', { source: '' }, ['source']],
    ['type not dot-separated', { type: 'MessageReceived' }, ['type']],
    ['time without offset', { time: '2025-03-04T09:15:27' }, ['time']],
    ['time without seconds', { time: '2025-03-04T09:15Z' }, ['time']],
    ['impossible date', { time: '2025-02-30T09:15:27Z' }, ['time']],
    ['time as a number', { time: 1741076127000 }, ['time']],
    ['tenant with a slash', { tenant: 'acme/eu' }, ['tenant']],
    ['tenant too long', { tenant: 'a'.repeat(65) }, ['tenant']],
    ['empty customer', { customer: '' }, ['customer']],
    ['customer too long', { customer: 'c'.repeat(129) }, ['customer']],
    ['empty conversation', { conversation: '' }, ['conversation']],
    ['dataversion zero', { dataversion: 0 }, ['dataversion']],
    ['fractional dataversion', { dataversion: 1.5 }, ['dataversion']],
    ['dataversion as a string', { dataversion: '1' }, ['dataversion']],
    ['misspelled extension', { correlationId: 'x' }, ['correlationId']],
    ['missing data', { data: undefined }, ['data']],
    ['data not an object', { data: 'hello' }, ['data']],
  ];
  it.each(invalid)('rejects %s', (_name, patch, path) => {
    const input: Record<string, unknown> = { ...receivedEnvelope(), ...patch };
    for (const [key, value] of Object.entries(patch)) if (value === undefined) delete input[key];
    expectError(input, 'invalid_envelope', path);
  });

  it.each([null, 42, 'text', []])('rejects %j as an envelope', (input) => {
    expectError(input, 'invalid_envelope', []);
  });

  it('accepts the longest tenant and customer', () => {
    expect(parseEvent({ ...receivedEnvelope(), tenant: 'a'.repeat(64), customer: 'c'.repeat(128) }).ok).toBe(true);
  });

  it('accepts leap days and numeric offsets', () => {
    expect(parseEvent({ ...receivedEnvelope(), time: '2024-02-29T23:59:59-05:30' }).ok).toBe(true);
  });

  it('reports every problem of an envelope at once', () => {
    const error = expectError({ ...receivedEnvelope(), tenant: '', time: 'yesterday' }, 'invalid_envelope', ['tenant']);
    expect(error.issues.map((i) => i.path)).toContainEqual(['time']);
    expect(error.message).toContain('tenant');
  });
});

describe('envelope helpers', () => {
  it('partitions by tenant and customer', () => {
    expect(partitionKey({ tenant: 'acme', customer: 'cus/1' })).toBe('acme/cus/1');
  });

  it('reads the event time with its offset', () => {
    expect(eventTimeMs({ time: '2025-03-04T09:15:27.120+01:00' })).toBe(Date.UTC(2025, 2, 4, 8, 15, 27, 120));
  });

  it('maps an event to a structured-mode Kafka record', () => {
    const result = parseEvent(sentEnvelope());
    if (!result.ok) throw new Error(result.error.message);
    const record = toKafkaRecord(result.event);
    expect(record.key).toBe('acme/cus_8f2k1');
    expect(JSON.parse(record.value)).toEqual(result.event);
    expect(record.headers).toEqual({
      'content-type': 'application/cloudevents+json; charset=UTF-8',
      ce_specversion: '1.0',
      ce_id: 'V1StGXR8_Z5jdHi6B-myT',
      ce_source: '/workers/outbound',
      ce_type: 'message.sent',
      ce_time: '2025-03-04T08:21:03Z',
      ce_tenant: 'acme',
      ce_dataversion: '1',
    });
  });
});
