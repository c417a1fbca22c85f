/**
 * Timers are BullMQ delayed jobs. A job is scheduled when a deadline is computed and does not know
 * what happened since; when it fires it re-reads the projection and asks these functions whether
 * its event is still due. That check is what keeps a timer from breaching a conversation an agent
 * answered in time, or resolving one the customer wrote in a minute ago.
 */
import { iso, ms } from '../time.ts';
import type { Conversation } from '../state.ts';
import type { SlaMetric, SlaSchedule } from './policy.ts';

export type SlaTimerKind = 'sla-warning' | 'sla-breach';

export interface SlaTimer {
  kind: SlaTimerKind;
  metric: SlaMetric;
  /** The deadline the timer is for: what sla.warned / sla.breached carry as `dueAt`. */
  dueAt: string;
  /** When the job is due: the warning instant for a warning, the deadline for a breach. */
  at: string;
}

/** The timers a schedule calls for: a warning and a breach per running clock. */
export function slaTimers(schedule: SlaSchedule): SlaTimer[] {
  const timers: SlaTimer[] = [];
  const add = (metric: SlaMetric, dueAt: string | null) => {
    if (dueAt === null) return;
    const warnAt = schedule.warnAt[metric];
    if (warnAt !== null) timers.push({ kind: 'sla-warning', metric, dueAt, at: warnAt });
    timers.push({ kind: 'sla-breach', metric, dueAt, at: dueAt });
  };
  add('firstResponse', schedule.firstResponseDueAt);
  add('nextResponse', schedule.nextResponseDueAt);
  add('resolution', schedule.resolutionDueAt);
  return timers;
}

export const deadlineOf = (schedule: SlaSchedule, metric: SlaMetric): string | null => {
  switch (metric) {
    case 'firstResponse':
      return schedule.firstResponseDueAt;
    case 'nextResponse':
      return schedule.nextResponseDueAt;
    case 'resolution':
      return schedule.resolutionDueAt;
    default: {
      const unknown: never = metric;
      return unknown;
    }
  }
};

/**
 * fire: publish sla.warned / sla.breached now. moot: drop the job, nothing is owed any more. early:
 * the job ran before its time (clocks of two hosts disagree): run it again at `timer.at`.
 */
export type TimerOutcome = 'fire' | 'moot' | 'early';

/**
 * Re-checks a fired SLA timer against the projection and the schedule in force now (`slaDeadlines`
 * of the same projection; the fold does not store deadlines).
 *
 * Moot when: the metric already breached (each counts once); the conversation is resolved; the
 * awaited step happened (an agent replied in time); the clock is paused (pending on the customer)
 * or the deadline moved (a priority change, a pause: a new timer carries the new deadline).
 *
 * A first response after the deadline, while the job waited in the queue, is still a breach: the
 * projection tells exactly when the first response came. For the next response and resolution it
 * does not keep the history needed to tell, so a step taken before the late job ran counts as in
 * time; the window is the job's lag, normally milliseconds.
 */
export function timerCheck(conversation: Conversation, timer: SlaTimer, now: string, schedule: SlaSchedule): TimerOutcome {
  if (conversation.sla.breached.includes(timer.metric)) return 'moot';
  if (timer.metric === 'firstResponse' && conversation.firstResponseAt !== null) {
    const late = ms(conversation.firstResponseAt) > ms(timer.dueAt);
    return late && timer.kind === 'sla-breach' ? fireWhenDue(timer, now) : 'moot';
  }
  if (conversation.status !== 'open') return 'moot';
  const inForce = deadlineOf(schedule, timer.metric);
  if (inForce === null || ms(inForce) !== ms(timer.dueAt)) return 'moot';
  return fireWhenDue(timer, now);
}

const fireWhenDue = (timer: SlaTimer, now: string): TimerOutcome => (ms(now) < ms(timer.at) ? 'early' : 'fire');

export type InactivityOutcome =
  /** Publish conversation.resolved (reason inactivity) with `at`: the end of the quiet window. */
  | { kind: 'resolve'; at: string }
  /** Someone wrote since the job was scheduled: check again then. */
  | { kind: 'reschedule'; dueAt: string }
  /** Already resolved: nothing to do. */
  | { kind: 'moot' };

/**
 * The auto-resolve timer's re-check, with the fold's own rule (customer-fold.ts, closeIfInactive):
 * a conversation not resolved whose last activity is `autoResolveAfterMs` or more before `now` is
 * resolved as of exactly `lastActivityAt + autoResolveAfterMs`, whenever the timer fired, so the
 * event it publishes folds to the state a replay reaches on its own.
 */
export function inactivityCheck(conversation: Conversation, now: string, autoResolveAfterMs: number): InactivityOutcome {
  if (conversation.status === 'resolved') return { kind: 'moot' };
  const dueMs = ms(conversation.lastActivityAt) + autoResolveAfterMs;
  return ms(now) < dueMs ? { kind: 'reschedule', dueAt: iso(dueMs) } : { kind: 'resolve', at: iso(dueMs) };
}
