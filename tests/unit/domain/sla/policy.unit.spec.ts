import { describe, expect, it } from 'vitest';
import { defaultSlaPolicy, slaClockOf, slaDeadlines, slaPolicySchema, type SlaClock } from '../../../../src/domain/sla/policy.ts';
import { agentReplied, customerWrote, conversationOf, fold } from '../given.ts';
import { HOUR, alwaysOpen, berlinOffice } from './calendars.ts';
import { conversationView } from '../../../../src/domain/fold/fold-state.ts';

const T0 = '2026-01-05T10:00:00.000Z';

const clock = (overrides: Partial<SlaClock> = {}): SlaClock => ({
  channel: 'chat',
  priority: 'normal',
  openedAt: T0,
  waitingSince: T0,
  pausedMs: 0,
  firstResponseAt: null,
  ...overrides,
});

describe('given the default policy on the 24/7 calendar', () => {
  describe('when a chat customer waits for a first response', () => {
    const schedule = slaDeadlines(clock(), defaultSlaPolicy, alwaysOpen);

    it('then the first response is due in 15 minutes, with a warning at 80 % (12 minutes)', () => {
      expect(schedule.firstResponseDueAt).toBe('2026-01-05T10:15:00.000Z');
      expect(schedule.warnAt.firstResponse).toBe('2026-01-05T10:12:00.000Z');
    });

    it('then no next response is due yet, and resolution is due in 24 hours (warning at 19 h 12 min)', () => {
      expect(schedule.nextResponseDueAt).toBeNull();
      expect(schedule.resolutionDueAt).toBe('2026-01-06T10:00:00.000Z');
      expect(schedule.warnAt.resolution).toBe('2026-01-06T05:12:00.000Z');
    });
  });

  it('when an e-mail waits, then the first response is due in 24 hours', () => {
    expect(slaDeadlines(clock({ channel: 'email' }), defaultSlaPolicy, alwaysOpen).firstResponseDueAt).toBe('2026-01-06T10:00:00.000Z');
  });

  it('when the chat is urgent, then the first response is due in 5 minutes (warning at 4)', () => {
    const schedule = slaDeadlines(clock({ priority: 'urgent' }), defaultSlaPolicy, alwaysOpen);
    expect(schedule.firstResponseDueAt).toBe('2026-01-05T10:05:00.000Z');
    expect(schedule.warnAt.firstResponse).toBe('2026-01-05T10:04:00.000Z');
  });

  it('when the agent answered and the customer wrote again at 11:00, then the next response is due at 11:15 and the first response is no longer running', () => {
    const schedule = slaDeadlines(clock({ firstResponseAt: '2026-01-05T10:05:00.000Z', waitingSince: '2026-01-05T11:00:00.000Z' }), defaultSlaPolicy, alwaysOpen);
    expect(schedule.firstResponseDueAt).toBeNull();
    expect(schedule.warnAt.firstResponse).toBeNull();
    expect(schedule.nextResponseDueAt).toBe('2026-01-05T11:15:00.000Z');
    expect(schedule.warnAt.nextResponse).toBe('2026-01-05T11:12:00.000Z');
  });

  it('when the conversation is pending on the customer, then every clock stands still (nothing is due)', () => {
    const schedule = slaDeadlines(clock({ firstResponseAt: '2026-01-05T10:05:00.000Z', waitingSince: null }), defaultSlaPolicy, alwaysOpen);
    expect(schedule).toEqual({
      firstResponseDueAt: null,
      nextResponseDueAt: null,
      resolutionDueAt: null,
      warnAt: { firstResponse: null, nextResponse: null, resolution: null },
    });
  });

  it('when it was pending for 2 hours before the customer came back, then resolution is due 2 hours later and the next response is not moved', () => {
    const schedule = slaDeadlines(
      clock({ firstResponseAt: '2026-01-05T10:05:00.000Z', waitingSince: '2026-01-05T12:05:00.000Z', pausedMs: 2 * HOUR }),
      defaultSlaPolicy,
      alwaysOpen,
    );
    expect(schedule.resolutionDueAt).toBe('2026-01-06T12:00:00.000Z');
    expect(schedule.warnAt.resolution).toBe('2026-01-06T07:12:00.000Z');
    expect(schedule.nextResponseDueAt).toBe('2026-01-05T12:20:00.000Z');
  });
});

describe('given a policy on the Berlin office calendar (weekdays 09:00–12:00, 13:00–18:00)', () => {
  const policy = slaPolicySchema.parse({
    calendar: 'berlin-office',
    targets: { firstResponse: { email: { normal: '4h' } }, resolution: { chat: { normal: '8h' } } },
  });

  it('when an e-mail arrives on Friday 16:00, then 2 hours count on Friday and the first response is due Monday 11:00 (warning at 80 %: Monday 10:12)', () => {
    const schedule = slaDeadlines(clock({ channel: 'email', openedAt: '2026-01-09T15:00:00.000Z', waitingSince: '2026-01-09T15:00:00.000Z' }), policy, berlinOffice);
    expect(schedule.firstResponseDueAt).toBe('2026-01-12T10:00:00.000Z');
    expect(schedule.warnAt.firstResponse).toBe('2026-01-12T09:12:00.000Z');
  });

  it('when a chat opens Monday 09:00, then 8 business hours run through lunch to 18:00', () => {
    const schedule = slaDeadlines(clock({ openedAt: '2026-01-05T08:00:00.000Z', waitingSince: '2026-01-05T08:00:00.000Z' }), policy, berlinOffice);
    expect(schedule.resolutionDueAt).toBe('2026-01-05T17:00:00.000Z');
  });

  it('when that chat was pending on the customer for 1 business hour, then resolution moves to Tuesday 10:00', () => {
    const schedule = slaDeadlines(
      clock({ openedAt: '2026-01-05T08:00:00.000Z', firstResponseAt: '2026-01-05T08:05:00.000Z', waitingSince: '2026-01-05T10:00:00.000Z', pausedMs: HOUR }),
      policy,
      berlinOffice,
    );
    expect(schedule.resolutionDueAt).toBe('2026-01-06T09:00:00.000Z');
  });
});

describe('given a policy with a warning share of 50 % and no resolution target for low priority', () => {
  const policy = slaPolicySchema.parse({ warnShare: 0.5, targets: { resolution: { chat: { low: null } } } });

  it('when a normal chat waits, then the warning comes at half the target', () => {
    expect(slaDeadlines(clock(), policy, alwaysOpen).warnAt.firstResponse).toBe('2026-01-05T10:07:30.000Z');
  });

  it('when a low-priority chat waits, then it has no resolution deadline and no resolution warning', () => {
    const schedule = slaDeadlines(clock({ priority: 'low' }), policy, alwaysOpen);
    expect(schedule.resolutionDueAt).toBeNull();
    expect(schedule.warnAt.resolution).toBeNull();
    expect(schedule.firstResponseDueAt).toBe('2026-01-05T10:30:00.000Z');
  });
});

describe('given conversations as the fold projects them', () => {
  it('when a chat customer later writes by e-mail, then the clock uses the e-mail targets', () => {
    const m1 = customerWrote('hi', T0, { channel: 'chat' });
    const { state } = fold([m1, customerWrote('also by mail', '2026-01-05T10:01:00.000Z', { channel: 'email', provider: 'smtp', handle: 'jane@example.com' })]);
    const c = slaClockOf(conversationView(state.conversations[conversationOf(m1)]!), { waitingSince: T0, pausedMs: 0 });
    expect(c).toMatchObject({ channel: 'email', openedAt: T0, waitingSince: T0, firstResponseAt: null });
    expect(slaDeadlines(c, defaultSlaPolicy, alwaysOpen).firstResponseDueAt).toBe('2026-01-06T10:00:00.000Z');
  });

  it('when we wrote first and the customer answered, then there is no first response to measure, only a next response', () => {
    const outbound = agentReplied('Your order shipped', T0, { id: 'out1' });
    const { state } = fold([outbound, customerWrote('thanks, but it is the wrong size', '2026-01-05T10:30:00.000Z')]);
    const conversation = conversationView(state.conversations[conversationOf(outbound)]!);
    const schedule = slaDeadlines(slaClockOf(conversation, { waitingSince: '2026-01-05T10:30:00.000Z', pausedMs: 0 }), defaultSlaPolicy, alwaysOpen);
    expect(schedule.firstResponseDueAt).toBeNull();
    expect(schedule.nextResponseDueAt).toBe('2026-01-05T10:45:00.000Z');
  });

  it('when the agent answered and it is pending, then the clock waits on nobody', () => {
    const m1 = customerWrote('hi', T0);
    const { state } = fold([m1, agentReplied('hello', '2026-01-05T10:03:00.000Z')]);
    const c = slaClockOf(conversationView(state.conversations[conversationOf(m1)]!), { waitingSince: T0, pausedMs: 0 });
    expect(c.waitingSince).toBeNull();
    expect(c.firstResponseAt).toBe('2026-01-05T10:03:00.000Z');
  });
});
