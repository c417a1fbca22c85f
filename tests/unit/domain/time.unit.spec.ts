import { describe, expect, it } from 'vitest';
import { iso, ms } from '../../../src/domain/time.ts';

// A tiny seeded generator: the same cases every run, many of them.
function* seeded(seed: number, count: number) {
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    yield s / 2 ** 32;
  }
}

describe('the fold’s time conversions agree with the platform’s, exactly', () => {
  it('formats any instant as toISOString does: 1970 to 9999, leap days, the last millisecond of a day', () => {
    const instants = [0, 1, 86_399_999, 86_400_000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 1, 29), Date.UTC(2100, 2, 1), 253_402_300_799_999];
    for (const r of seeded(7, 20_000)) instants.push(Math.floor(r * 253_402_300_800_000));
    for (const t of instants) expect(iso(t)).toBe(new Date(t).toISOString());
  });

  it('hands what it does not write itself to the platform: before 1970, six-digit years, fractions; an invalid time throws as toISOString does', () => {
    for (const t of [-1, -86_400_001, 253_402_300_800_000, 1.5]) expect(iso(t)).toBe(new Date(t).toISOString());
    expect(() => iso(Number.NaN)).toThrow(RangeError);
  });

  it('parses the canonical format as Date.parse does, and every other shape too', () => {
    const texts: string[] = [];
    for (const r of seeded(11, 20_000)) texts.push(new Date(Math.floor(r * 253_402_300_800_000)).toISOString());
    texts.push(
      '2024-02-29T12:00:00.000Z',
      '2023-02-29T12:00:00.000Z', // no such day
      '2025-13-01T00:00:00.000Z',
      '2025-00-10T00:00:00.000Z',
      '2025-04-31T00:00:00.000Z',
      '2025-01-01T24:00:00.000Z',
      '2025-01-01T23:60:00.000Z',
      '2025-01-01T23:59:60.000Z',
      '2025-01-0xT00:00:00.000Z',
      '2025-01-01T00:00:00.00aZ',
      '2025-01-01T00:00:00.000+', // 24 characters, not UTC
      '2025-10-06T08:00:56Z',
      '2025-10-06T10:00:56.199+02:00',
      '2025-10-06t08:00:56.199z',
      'not a time at all, twenty',
      '',
    );
    for (const t of texts) expect(Object.is(ms(t), Date.parse(t)), t).toBe(true);
  });
});
