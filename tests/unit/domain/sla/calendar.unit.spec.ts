import { describe, expect, it } from 'vitest';
import { addBusinessTime, businessTimeBetween, isWithinBusinessHours } from '../../../../src/domain/sla/calendar.ts';
import { HOUR, MINUTE, alwaysOpen, berlinAllDay, berlinOffice, calendar, newYorkOffice, shanghaiOffice } from './calendars.ts';

// Berlin is UTC+1 until 2026-03-29 02:00, UTC+2 after; New York UTC−5 until 2026-03-08 02:00, UTC−4 after.

describe('given the Berlin office (weekdays 09:00–12:00 and 13:00–18:00, Europe/Berlin)', () => {
  describe('when business time is added within a working day', () => {
    it('then one hour from Monday 10:00 is 11:00 local (10:00Z in winter)', () => {
      expect(addBusinessTime('2026-01-05T09:00:00.000Z', HOUR, berlinOffice)).toBe('2026-01-05T10:00:00.000Z');
    });

    it('then the lunch break does not count: one hour from 11:30 is 13:30', () => {
      expect(addBusinessTime('2026-01-05T10:30:00.000Z', HOUR, berlinOffice)).toBe('2026-01-05T12:30:00.000Z');
    });

    it('then time running out exactly at closing is due at 18:00 that day, not at the next opening', () => {
      expect(addBusinessTime('2026-01-05T16:00:00.000Z', HOUR, berlinOffice)).toBe('2026-01-05T17:00:00.000Z');
    });

    it('then a zero duration is due at the start itself, even outside hours', () => {
      expect(addBusinessTime('2026-01-10T09:00:00.000Z', 0, berlinOffice)).toBe('2026-01-10T09:00:00.000Z');
    });

    it('then a start written with an offset means the same instant', () => {
      expect(addBusinessTime('2026-01-05T10:00:00+01:00', HOUR, berlinOffice)).toBe('2026-01-05T10:00:00.000Z');
    });
  });

  describe('when the start is outside hours', () => {
    it('then before opening counts from 09:00: 30 minutes from 07:00 is 09:30', () => {
      expect(addBusinessTime('2026-01-05T06:00:00.000Z', 30 * MINUTE, berlinOffice)).toBe('2026-01-05T08:30:00.000Z');
    });

    it('then after closing counts from the next morning: 30 minutes from Monday 19:00 is Tuesday 09:30', () => {
      expect(addBusinessTime('2026-01-05T18:00:00.000Z', 30 * MINUTE, berlinOffice)).toBe('2026-01-06T08:30:00.000Z');
    });

    it('then on a Saturday it counts from Monday: 15 minutes from Saturday 10:00 is Monday 09:15', () => {
      expect(addBusinessTime('2026-01-10T09:00:00.000Z', 15 * MINUTE, berlinOffice)).toBe('2026-01-12T08:15:00.000Z');
    });
  });

  describe('when the time runs over a weekend or holidays', () => {
    it('then one hour from Friday 17:30 is Monday 09:30', () => {
      expect(addBusinessTime('2026-01-09T16:30:00.000Z', HOUR, berlinOffice)).toBe('2026-01-12T08:30:00.000Z');
    });

    it('then Good Friday and Easter Monday are skipped: two hours from Thursday 17:00 is Tuesday 10:00', () => {
      expect(addBusinessTime('2026-04-02T15:00:00.000Z', 2 * HOUR, berlinOffice)).toBe('2026-04-07T08:00:00.000Z');
    });

    it('then a holiday is closed all day, so no business time passes on it', () => {
      expect(businessTimeBetween('2026-04-02T22:00:00.000Z', '2026-04-03T22:00:00.000Z', berlinOffice)).toBe(0);
      expect(businessTimeBetween('2026-04-01T22:00:00.000Z', '2026-04-02T22:00:00.000Z', berlinOffice)).toBe(8 * HOUR);
    });
  });

  describe('when the clocks go forward on Sunday 2026-03-29', () => {
    it('then two hours from Friday 17:00 CET are due Monday 10:00 CEST, which is 08:00Z (not 09:00Z)', () => {
      expect(addBusinessTime('2026-03-27T16:00:00.000Z', 2 * HOUR, berlinOffice)).toBe('2026-03-30T08:00:00.000Z');
    });

    it('then business time from Friday 17:00 CET to Monday 10:00 CEST is two hours', () => {
      expect(businessTimeBetween('2026-03-27T16:00:00.000Z', '2026-03-30T08:00:00.000Z', berlinOffice)).toBe(2 * HOUR);
    });

    it('then Monday still opens at 09:00 local (07:00Z) and the hour before is closed', () => {
      expect(isWithinBusinessHours('2026-03-30T07:00:00.000Z', berlinOffice)).toBe(true);
      expect(isWithinBusinessHours('2026-03-30T06:59:59.999Z', berlinOffice)).toBe(false);
    });
  });

  describe('when asked whether it is open', () => {
    it('then the opening instant is inside hours and the closing instant is not', () => {
      expect(isWithinBusinessHours('2026-01-05T08:00:00.000Z', berlinOffice)).toBe(true); // 09:00
      expect(isWithinBusinessHours('2026-01-05T11:00:00.000Z', berlinOffice)).toBe(false); // 12:00, lunch
      expect(isWithinBusinessHours('2026-01-05T12:00:00.000Z', berlinOffice)).toBe(true); // 13:00
      expect(isWithinBusinessHours('2026-01-05T17:00:00.000Z', berlinOffice)).toBe(false); // 18:00
    });
  });

  describe('when measuring business time between two instants', () => {
    it('then a full working week is 40 hours', () => {
      expect(businessTimeBetween('2026-01-04T23:00:00.000Z', '2026-01-11T23:00:00.000Z', berlinOffice)).toBe(40 * HOUR);
    });

    it('then it is negative when the end comes first', () => {
      expect(businessTimeBetween('2026-01-05T10:00:00.000Z', '2026-01-05T09:00:00.000Z', berlinOffice)).toBe(-HOUR);
    });
  });
});

describe('given a round-the-clock calendar on Berlin wall-clock time', () => {
  it('when the clocks go forward, then that local day has 23 business hours', () => {
    expect(businessTimeBetween('2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', berlinAllDay)).toBe(23 * HOUR);
  });

  it('when the clocks go back, then that local day has 25 business hours', () => {
    expect(businessTimeBetween('2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', berlinAllDay)).toBe(25 * HOUR);
  });

  it('when 24 business hours are added across the change, then exactly 24 real hours pass', () => {
    expect(addBusinessTime('2026-03-28T11:00:00.000Z', 24 * HOUR, berlinAllDay)).toBe('2026-03-29T11:00:00.000Z');
  });
});

describe('given opening hours that start inside the hour the clocks skip', () => {
  const earlySunday = calendar({ kind: 'business-hours', timeZone: 'Europe/Berlin', hours: { sun: ['02:30-05:00'] } });

  it('when the clocks jump from 02:00 to 03:00, then it opens at the jump (03:00 CEST) and that Sunday has 2 hours', () => {
    expect(businessTimeBetween('2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', earlySunday)).toBe(2 * HOUR);
    expect(addBusinessTime('2026-03-28T23:00:00.000Z', MINUTE, earlySunday)).toBe('2026-03-29T01:01:00.000Z');
  });

  it('when it is an ordinary Sunday, then it has 2.5 hours', () => {
    expect(businessTimeBetween('2026-03-21T23:00:00.000Z', '2026-03-22T23:00:00.000Z', earlySunday)).toBe(2.5 * HOUR);
  });
});

describe('given the New York office (weekdays 09:00–17:00, America/New_York)', () => {
  it('when two hours are added from Friday 16:00 EST across the 2026-03-08 change, then they are due Monday 10:00 EDT (14:00Z)', () => {
    expect(addBusinessTime('2026-03-06T21:00:00.000Z', 2 * HOUR, newYorkOffice)).toBe('2026-03-09T14:00:00.000Z');
  });

  it('when it is Sunday evening in New York, then it is closed even though it is Monday morning in Asia', () => {
    expect(isWithinBusinessHours('2026-01-05T02:00:00.000Z', newYorkOffice)).toBe(false);
    expect(isWithinBusinessHours('2026-01-05T02:00:00.000Z', shanghaiOffice)).toBe(true);
  });
});

describe('given the Shanghai office (weekdays 09:00–18:00, Asia/Shanghai, UTC+8)', () => {
  it('when three hours are added from Monday 16:00 local, then they are due Tuesday 10:00 local (02:00Z)', () => {
    expect(addBusinessTime('2026-01-05T08:00:00.000Z', 3 * HOUR, shanghaiOffice)).toBe('2026-01-06T02:00:00.000Z');
  });

  it('when Berlin changes its clocks, then Shanghai hours stay at 01:00Z–10:00Z', () => {
    expect(businessTimeBetween('2026-03-30T01:00:00.000Z', '2026-03-30T10:00:00.000Z', shanghaiOffice)).toBe(9 * HOUR);
    expect(isWithinBusinessHours('2026-03-30T00:59:59.999Z', shanghaiOffice)).toBe(false);
  });
});

describe('given the 24/7 calendar', () => {
  it('when time is added, then business time is elapsed time, DST or not', () => {
    expect(addBusinessTime('2026-03-28T11:00:00.000Z', 24 * HOUR, alwaysOpen)).toBe('2026-03-29T11:00:00.000Z');
    expect(businessTimeBetween('2026-01-10T00:00:00.000Z', '2026-01-11T00:00:00.000Z', alwaysOpen)).toBe(24 * HOUR);
  });

  it('when the duration is negative, then it is a bug and throws', () => {
    expect(() => addBusinessTime('2026-01-05T09:00:00.000Z', -1, alwaysOpen)).toThrow(RangeError);
    expect(() => addBusinessTime('not a time', HOUR, berlinOffice)).toThrow(RangeError);
  });
});

describe('given any start and duration', () => {
  // A deterministic grid: starts every 97 minutes over about three weeks around the DST changes and Easter.
  const starts = (from: string) => Array.from({ length: 300 }, (_, i) => new Date(Date.parse(from) + i * 97 * MINUTE).toISOString());
  const durations = [MINUTE, 45 * MINUTE, 3 * HOUR + 7 * MINUTE, 9 * HOUR, 31 * HOUR];

  for (const [name, cal, from] of [
    ['Berlin office, spring', berlinOffice, '2026-03-20T00:00:00.000Z'],
    ['Berlin office, Easter', berlinOffice, '2026-03-31T00:00:00.000Z'],
    ['New York office, spring', newYorkOffice, '2026-03-01T00:00:00.000Z'],
    ['Berlin round the clock, autumn', berlinAllDay, '2026-10-20T00:00:00.000Z'],
  ] as const) {
    it(`when time is added on the ${name}, then measuring it back gives the duration, and no earlier instant does`, () => {
      for (const start of starts(from)) {
        for (const d of durations) {
          const due = addBusinessTime(start, d, cal);
          expect(businessTimeBetween(start, due, cal), `${start} + ${d}`).toBe(d);
          // The earliest such instant: a moment earlier, less than d has passed.
          expect(businessTimeBetween(start, new Date(Date.parse(due) - 1).toISOString(), cal)).toBe(d - 1);
        }
      }
    });
  }
});
