import { describe, expect, it } from 'vitest';
import { ALWAYS_OPEN } from '../../../../src/domain/sla/calendar.ts';
import { calendarSchema, defaultSlaSettings, policyCalendar, slaSettingsSchema } from '../../../../src/domain/sla/config.ts';
import { escalationLadderSchema } from '../../../../src/domain/sla/escalation.ts';
import { DEFAULT_SLA_TARGETS, slaPolicySchema } from '../../../../src/domain/sla/policy.ts';
import { HOUR, MINUTE } from './calendars.ts';

const issues = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) => result.error?.issues.map((i) => i.message).join('; ') ?? '';

describe('given calendar settings as a tenant writes them', () => {
  it('when a day has a lunch break written out of order, then the intervals are minutes of the day, sorted; unlisted days are closed', () => {
    const cal = calendarSchema.parse({ kind: 'business-hours', timeZone: 'Europe/Berlin', hours: { mon: ['13:00-18:00', '09:00-12:00'] } });
    expect(cal).toEqual({
      kind: 'business-hours',
      timeZone: 'Europe/Berlin',
      week: { sun: [], mon: [{ from: 540, to: 720 }, { from: 780, to: 1080 }], tue: [], wed: [], thu: [], fri: [], sat: [] },
      holidays: [],
    });
  });

  it('when a day ends at 24:00, then it closes at the next midnight', () => {
    const cal = calendarSchema.parse({ kind: 'business-hours', timeZone: 'UTC', hours: { sat: ['20:00-24:00'] } });
    expect(cal.kind === 'business-hours' && cal.week.sat).toEqual([{ from: 1200, to: 1440 }]);
  });

  it.each([
    ['overlapping intervals', { mon: ['09:00-13:00', '12:00-18:00'] }, 'overlap'],
    ['an interval that closes before it opens', { mon: ['18:00-09:00'] }, 'closes before it opens'],
    ['an hour without minutes', { mon: ['9-17'] }, 'HH:MM-HH:MM'],
    ['no opening hours at all', { mon: [] }, 'at least one weekday'],
  ])('when it has %s, then it is refused', (_what, hours, message) => {
    expect(issues(calendarSchema.safeParse({ kind: 'business-hours', timeZone: 'Europe/Berlin', hours }))).toContain(message);
  });

  it('when the time zone is not an IANA zone, then it is refused', () => {
    expect(issues(calendarSchema.safeParse({ kind: 'business-hours', timeZone: 'Mars/Olympus_Mons', hours: { mon: ['09:00-17:00'] } }))).toContain('IANA time zone');
  });

  it('when a holiday is not a real date, then it is refused', () => {
    const result = calendarSchema.safeParse({ kind: 'business-hours', timeZone: 'Europe/Berlin', hours: { mon: ['09:00-17:00'] }, holidays: ['2026-02-30'] });
    expect(issues(result)).toContain('not a date');
  });
});

describe('given SLA settings', () => {
  it('when nothing is written, then the policy counts on the 24/7 calendar with chat 15 min and e-mail 24 h to a first response, warning at 80 %', () => {
    expect(policyCalendar(defaultSlaSettings)).toEqual(ALWAYS_OPEN);
    expect(defaultSlaSettings.policy.warnShare).toBe(0.8);
    expect(defaultSlaSettings.policy.targets.firstResponse.chat.normal).toBe(15 * MINUTE);
    expect(defaultSlaSettings.policy.targets.firstResponse.email.normal).toBe(24 * HOUR);
    expect(defaultSlaSettings.escalation.map((r) => r.tier)).toEqual(['tier1', 'tier2', 'supervisor']);
  });

  it('when one target is written, then it replaces only that cell, and null switches a metric off', () => {
    const policy = slaPolicySchema.parse({ targets: { firstResponse: { email: { normal: '8h' } }, resolution: { chat: { low: null } } } });
    expect(policy.targets.firstResponse.email.normal).toBe(8 * HOUR);
    expect(policy.targets.firstResponse.email.urgent).toBe(DEFAULT_SLA_TARGETS.firstResponse.email.urgent);
    expect(policy.targets.firstResponse.chat).toEqual(DEFAULT_SLA_TARGETS.firstResponse.chat);
    expect(policy.targets.resolution.chat.low).toBeNull();
  });

  it('when the policy names a calendar defined next to it, then that calendar is the one counted on', () => {
    const settings = slaSettingsSchema.parse({
      calendars: { 'berlin-office': { kind: 'business-hours', timeZone: 'Europe/Berlin', hours: { mon: ['09:00-17:00'] } } },
      policy: { calendar: 'berlin-office' },
    });
    expect(policyCalendar(settings)).toMatchObject({ kind: 'business-hours', timeZone: 'Europe/Berlin' });
  });

  it('when the policy names a calendar nobody defined, then the settings are refused', () => {
    expect(issues(slaSettingsSchema.safeParse({ policy: { calendar: 'paris-office' } }))).toContain('calendar paris-office is not defined');
  });

  it('when the warning share is not strictly between 0 and 1, then the policy is refused', () => {
    expect(slaPolicySchema.safeParse({ warnShare: 1 }).success).toBe(false);
    expect(slaPolicySchema.safeParse({ warnShare: 0 }).success).toBe(false);
  });
});

describe('given an escalation ladder', () => {
  it('when a tier is listed twice, then it is refused', () => {
    expect(issues(escalationLadderSchema.safeParse([{ tier: 'tier1', team: null }, { tier: 'tier1', team: 'tier2' }]))).toContain('listed twice');
  });

  it('when a rung above the first keeps the current team, then it is refused (the rung could not be told from the projection)', () => {
    expect(issues(escalationLadderSchema.safeParse([{ tier: 'tier1', team: null }, { tier: 'tier2', team: null }]))).toContain('only the first rung');
  });

  it('when two rungs share a team, then it is refused', () => {
    expect(issues(escalationLadderSchema.safeParse([{ tier: 'tier1', team: 'support' }, { tier: 'tier2', team: 'support' }]))).toContain('owns two rungs');
  });
});
