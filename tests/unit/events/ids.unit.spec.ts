import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deterministicEventId, randomEventId } from '../../../events/index.ts';
import { sha256 } from '../../../events/ids.ts';

const nodeSha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('sha256', () => {
  it('matches node:crypto across block boundaries', () => {
    for (const length of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 128, 1000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      expect(hex(sha256(bytes)), `length ${length}`).toBe(nodeSha256(bytes));
    }
  });

  it('matches the FIPS 180-4 test vector', () => {
    expect(hex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('deterministicEventId', () => {
  it('is the documented derivation, frozen', () => {
    const expected = nodeSha256(new TextEncoder().encode(JSON.stringify(['acme', 'twilio', 'SM123']))).slice(0, 32);
    expect(deterministicEventId('acme', 'twilio', 'SM123')).toBe(expected);
    // A literal too: if this changes, provider retries across a deploy would no longer dedupe.
    expect(deterministicEventId('acme', 'twilio', 'SM123')).toBe('a987e98d89ed7565de0286d8861a3afb');
  });

  it('is stable for the same provider message', () => {
    expect(deterministicEventId('acme', 'smtp', '<a@b>')).toBe(deterministicEventId('acme', 'smtp', '<a@b>'));
  });

  it('differs by tenant, provider, provider id and scope', () => {
    const ids = new Set([
      deterministicEventId('acme', 'twilio', 'SM1'),
      deterministicEventId('other', 'twilio', 'SM1'),
      deterministicEventId('acme', 'whatsapp', 'SM1'),
      deterministicEventId('acme', 'twilio', 'SM2'),
      deterministicEventId('acme', 'twilio', 'SM1', 'message.delivered'),
    ]);
    expect(ids.size).toBe(5);
  });

  it('cannot be confused by separators inside the parts', () => {
    expect(deterministicEventId('a', 'b', 'c:d')).not.toBe(deterministicEventId('a', 'b:c', 'd'));
    expect(deterministicEventId('a', 'b', '","c')).not.toBe(deterministicEventId('a', 'b","', 'c'));
  });

  it('refuses empty parts, which would make unrelated messages collide', () => {
    expect(() => deterministicEventId('acme', 'twilio', '')).toThrow(RangeError);
    expect(() => deterministicEventId('', 'twilio', 'SM1')).toThrow(RangeError);
    expect(() => deterministicEventId('acme', 'twilio', 'SM1', '')).toThrow(RangeError);
  });
});

describe('randomEventId', () => {
  it('is a nanoid', () => {
    expect(randomEventId()).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(randomEventId()).not.toBe(randomEventId());
  });
});
