import { describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../../events/index.ts';
import { defaultFoldPolicy } from '../../../../src/domain/fold/policy.ts';
import { defaultSlaPolicy, slaClockOf, slaDeadlines } from '../../../../src/domain/sla/policy.ts';
import { inactivityCheck, slaTimers, timerCheck, type SlaTimer } from '../../../../src/domain/sla/timers.ts';
import {
  agentReplied,
  botReplied,
  conversationOf,
  customerWrote,
  fold,
  identified,
  inactivityTimerFired,
  priorityChanged,
  projection,
  resolved,
  slaBreached,
} from '../given.ts';
import { alwaysOpen } from './calendars.ts';
import { conversationView } from '../../../../src/domain/fold/fold-state.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const m1 = customerWrote('my parcel is lost', T0, { id: 'm1' });
const cv = conversationOf(m1);

/**
 * The re-check a fired job performs: the projection after `events`, the schedule in force now (the
 * customer waiting since `waitingSince`, 24/7 default policy: a chat's first response is due in 15 minutes).
 */
function check(events: AnyEvent[], timer: SlaTimer, now: string, waitingSince: string | null = T0) {
  const conversation = conversationView(fold(events).state.conversations[cv]!);
  const schedule = slaDeadlines(slaClockOf(conversation, { waitingSince, pausedMs: 0 }), defaultSlaPolicy, alwaysOpen);
  return timerCheck(conversation, timer, now, schedule);
}

const firstResponseBreach: SlaTimer = { kind: 'sla-breach', metric: 'firstResponse', dueAt: '2026-01-05T09:15:00.000Z', at: '2026-01-05T09:15:00.000Z' };
const firstResponseWarning: SlaTimer = { ...firstResponseBreach, kind: 'sla-warning', at: '2026-01-05T09:12:00.000Z' };

describe('given a chat customer waiting since 09:00 (first response due 09:15, warning at 09:12)', () => {
  it('when the schedule is turned into timers, then there is a warning and a breach per running clock', () => {
    const schedule = slaDeadlines(slaClockOf(conversationView(fold([m1]).state.conversations[cv]!), { waitingSince: T0, pausedMs: 0 }), defaultSlaPolicy, alwaysOpen);
    expect(slaTimers(schedule)).toEqual([
      firstResponseWarning,
      firstResponseBreach,
      { kind: 'sla-warning', metric: 'resolution', dueAt: '2026-01-06T09:00:00.000Z', at: '2026-01-06T04:12:00.000Z' },
      { kind: 'sla-breach', metric: 'resolution', dueAt: '2026-01-06T09:00:00.000Z', at: '2026-01-06T09:00:00.000Z' },
    ]);
  });

  it('when nobody answered by 09:15, then the breach timer fires', () => {
    expect(check([m1], firstResponseBreach, '2026-01-05T09:15:00.000Z')).toBe('fire');
  });

  it('when nobody answered by 09:12, then the warning fires', () => {
    expect(check([m1], firstResponseWarning, '2026-01-05T09:12:00.000Z')).toBe('fire');
  });

  it('when the job runs a moment before its time (clock skew), then it is early, neither fired nor dropped', () => {
    expect(check([m1], firstResponseBreach, '2026-01-05T09:14:59.999Z')).toBe('early');
  });

  it('when an agent answered at 09:10, then the breach and the warning are moot', () => {
    const events = [m1, agentReplied('on it', '2026-01-05T09:10:00.000Z')];
    expect(check(events, firstResponseBreach, '2026-01-05T09:15:00.000Z', null)).toBe('moot');
    expect(check(events, firstResponseWarning, '2026-01-05T09:12:00.000Z', null)).toBe('moot');
  });

  it('when an agent answered exactly at 09:15, then it was in time', () => {
    expect(check([m1, agentReplied('on it', '2026-01-05T09:15:00.000Z')], firstResponseBreach, '2026-01-05T09:15:00.001Z', null)).toBe('moot');
  });

  it('when an agent answered at 09:16, while the job waited in the queue, then the breach still fires', () => {
    expect(check([m1, agentReplied('sorry for the wait', '2026-01-05T09:16:00.000Z')], firstResponseBreach, '2026-01-05T09:16:30.000Z', null)).toBe('fire');
  });

  it('when only the bot answered, then the breach fires (bots are no response)', () => {
    expect(check([m1, botReplied('Have you checked tracking?', '2026-01-05T09:01:00.000Z')], firstResponseBreach, '2026-01-05T09:15:00.000Z')).toBe('fire');
  });

  it('when triage made it urgent at 09:01, then the 09:15 timer is moot (the deadline moved to 09:05) and the 09:05 one fires', () => {
    const events = [m1, priorityChanged(cv, '2026-01-05T09:01:00.000Z', 'urgent')];
    expect(check(events, firstResponseBreach, '2026-01-05T09:15:00.000Z')).toBe('moot');
    const moved: SlaTimer = { kind: 'sla-breach', metric: 'firstResponse', dueAt: '2026-01-05T09:05:00.000Z', at: '2026-01-05T09:05:00.000Z' };
    expect(check(events, moved, '2026-01-05T09:05:00.000Z')).toBe('fire');
  });

  it('when the breach was already recorded (a retried job), then it is moot: each metric breaches once', () => {
    expect(check([m1, slaBreached(cv, '2026-01-05T09:15:00.000Z', 'firstResponse')], firstResponseBreach, '2026-01-05T09:15:01.000Z')).toBe('moot');
  });

  it('when the conversation was resolved at 09:10 without an answer, then it is moot', () => {
    expect(check([m1, resolved(cv, '2026-01-05T09:10:00.000Z')], firstResponseBreach, '2026-01-05T09:15:00.000Z', null)).toBe('moot');
  });
});

describe('given the agent answered at 09:05 and the customer wrote again at 09:30 (next response due 09:45)', () => {
  const history = [m1, agentReplied('on it', '2026-01-05T09:05:00.000Z'), customerWrote('any news?', '2026-01-05T09:30:00.000Z')];
  const nextResponse: SlaTimer = { kind: 'sla-breach', metric: 'nextResponse', dueAt: '2026-01-05T09:45:00.000Z', at: '2026-01-05T09:45:00.000Z' };

  it('when nobody answered by 09:45, then the next-response breach fires', () => {
    expect(check(history, nextResponse, '2026-01-05T09:45:00.000Z', '2026-01-05T09:30:00.000Z')).toBe('fire');
  });

  it('when the agent answered at 09:40, then it is pending on the customer and the timer is moot', () => {
    expect(check([...history, agentReplied('found it', '2026-01-05T09:40:00.000Z')], nextResponse, '2026-01-05T09:45:00.000Z', null)).toBe('moot');
  });

  it('when the resolution timer fires while pending on the customer, then it is moot (the clock stands still)', () => {
    const resolution: SlaTimer = { kind: 'sla-breach', metric: 'resolution', dueAt: '2026-01-06T09:00:00.000Z', at: '2026-01-06T09:00:00.000Z' };
    expect(check([...history, agentReplied('found it', '2026-01-05T09:40:00.000Z')], resolution, '2026-01-06T09:00:00.000Z', null)).toBe('moot');
  });
});

describe('given the 24-hour auto-resolve window and a customer who wrote at 09:00', () => {
  const window = defaultFoldPolicy.autoResolveAfterMs;
  const conversationAfter = (events: AnyEvent[]) => conversationView(fold(events).state.conversations[cv]!);

  it('when the timer runs a minute early, then it reschedules itself at the end of the window', () => {
    expect(inactivityCheck(conversationAfter([m1]), '2026-01-06T08:59:00.000Z', window)).toEqual({ kind: 'reschedule', dueAt: '2026-01-06T09:00:00.000Z' });
  });

  it('when it runs exactly at the end of the window, then it resolves as of that instant', () => {
    expect(inactivityCheck(conversationAfter([m1]), '2026-01-06T09:00:00.000Z', window)).toEqual({ kind: 'resolve', at: '2026-01-06T09:00:00.000Z' });
  });

  it('when it runs two hours late, then it still resolves as of the end of the window, not as of now', () => {
    expect(inactivityCheck(conversationAfter([m1]), '2026-01-06T11:00:00.000Z', window)).toEqual({ kind: 'resolve', at: '2026-01-06T09:00:00.000Z' });
  });

  it('when the agent answered at 15:00 (pending), then the window runs from 15:00', () => {
    const events = [m1, agentReplied('done, anything else?', '2026-01-05T15:00:00.000Z')];
    expect(inactivityCheck(conversationAfter(events), '2026-01-06T09:00:00.000Z', window)).toEqual({ kind: 'reschedule', dueAt: '2026-01-06T15:00:00.000Z' });
    expect(inactivityCheck(conversationAfter(events), '2026-01-06T15:00:00.000Z', window)).toEqual({ kind: 'resolve', at: '2026-01-06T15:00:00.000Z' });
  });

  it('when the conversation is already resolved, then the timer is moot', () => {
    expect(inactivityCheck(conversationAfter([m1, resolved(cv, '2026-01-05T10:00:00.000Z')]), '2026-01-06T09:00:00.000Z', window)).toEqual({ kind: 'moot' });
  });

  it('when the decision is published, then it resolves at the instant a replay resolves at on its own rule, and folding it changes nothing more', () => {
    const firedAt = '2026-01-06T11:23:07.000Z';
    const decision = inactivityCheck(conversationAfter([m1]), firedAt, window);
    if (decision.kind !== 'resolve') throw new Error(`expected a resolution, got ${decision.kind}`);
    const later = identified('2026-01-06T12:00:00.000Z', { channel: 'chat', provider: 'webchat', handle: 'visitor-1' });
    const replay = fold([m1, later]);
    const live = fold([m1, inactivityTimerFired(cv, firedAt, decision.at, { id: 'timer' }), later]);
    expect(decision.at).toBe(conversationView(replay.state.conversations[cv]!).resolvedAt);
    expect(projection(live.state)).toEqual(projection(replay.state));
  });
});
