/**
 * The SLA clock as the fold keeps it: who waits since when, how long the clock stood still, and the
 * deadlines in force. Computed when the event that starts, pauses or stops a clock is folded, from
 * event time and the tenant's business calendar, so live and replay give the same deadlines. Times
 * are epoch ms (the fold's state, see fold-state.ts).
 */
import { businessMsBetween } from '../sla/calendar.ts';
import { scheduleText, slaDeadlinesMs, type SlaClockMs, type SlaSchedule, type SlaScheduleMs } from '../sla/policy.ts';
import { conversationChannel } from '../conversation-channel.ts';
import type { ConversationState } from './fold-state.ts';
import type { FoldPolicy } from './policy.ts';

/** The customer now waits on us (a message, a reopen): the clock runs again from `at`. */
export function startWaiting(c: ConversationState, at: number, policy: FoldPolicy): void {
  resumeClock(c, at, policy);
  if (c.sla.waitingSince === null) c.sla.waitingSince = at;
}

/** An agent answered: we wait on the customer; every clock but none stands still. */
export function stopWaiting(c: ConversationState, at: number): void {
  c.sla.waitingSince = null;
  if (c.sla.pausedSince === null) c.sla.pausedSince = at;
}

/** Resolved: nothing runs. A reopen counts the resolved spell as paused (see `reopenClock`). */
export function stopClock(c: ConversationState): void {
  c.sla.waitingSince = null;
  c.sla.pausedSince = null;
}

/** Reopened at `at` after being resolved at `resolvedAt`: that spell stood still. */
export function reopenClock(c: ConversationState, resolvedAt: number | null, at: number, policy: FoldPolicy): void {
  if (resolvedAt !== null && policy.sla) c.sla.pausedMs += businessMsBetween(resolvedAt, at, policy.sla.calendar);
  c.sla.pausedSince = null;
  c.sla.waitingSince = at;
}

function resumeClock(c: ConversationState, at: number, policy: FoldPolicy): void {
  if (c.sla.pausedSince === null) return;
  if (policy.sla && at > c.sla.pausedSince) c.sla.pausedMs += businessMsBetween(c.sla.pausedSince, at, policy.sla.calendar);
  c.sla.pausedSince = null;
}

/** The clock of a conversation (see `slaClockOf` in sla/policy.ts, the same rule on the projection). */
function clockOf(c: ConversationState): SlaClockMs {
  return {
    channel: conversationChannel(c),
    priority: c.priority,
    openedAt: c.firstCustomerMessageAt ?? c.openedAt,
    waitingSince: c.status === 'open' ? c.sla.waitingSince : null,
    pausedMs: c.sla.pausedMs,
    firstResponseAt: c.initiatedBy === 'agent' ? c.openedAt : c.firstResponseAt,
  };
}

/** The deadlines in force for the conversation as it stands, in epoch ms (null without an SLA policy or once resolved). */
export function scheduleMsOf(c: ConversationState, policy: FoldPolicy, warnings = true): SlaScheduleMs | null {
  if (!policy.sla || c.status === 'resolved') return null;
  return slaDeadlinesMs(clockOf(c), policy.sla.policy, policy.sla.calendar, warnings);
}

/** The same as RFC 3339 text, with the warning instants unless `warnings` is false (timers, the workflow's re-check). */
export function scheduleOf(c: ConversationState, policy: FoldPolicy, warnings = true): SlaSchedule | null {
  const schedule = scheduleMsOf(c, policy, warnings);
  return schedule && scheduleText(schedule);
}

/**
 * Writes the deadlines in force into the state (queues sort by them, the console shows them). An
 * event touches the conversation's clock far less often than the conversation: while the clock's
 * inputs are those the deadlines were computed from, they stand, and nothing is walked again.
 */
export function refreshDeadlines(c: ConversationState, policy: FoldPolicy): void {
  const live = policy.sla !== null && c.status !== 'resolved';
  const k = c.clock;
  if (
    k &&
    live &&
    k.waitingSince === (c.status === 'open' ? c.sla.waitingSince : null) &&
    k.pausedMs === c.sla.pausedMs &&
    k.priority === c.priority &&
    k.openedAt === (c.firstCustomerMessageAt ?? c.openedAt) &&
    k.firstResponseAt === (c.initiatedBy === 'agent' ? c.openedAt : c.firstResponseAt) &&
    k.channel === conversationChannel(c)
  ) {
    return;
  }
  if (!live) {
    c.clock = null;
    c.sla.firstResponseDueAt = null;
    c.sla.nextResponseDueAt = null;
    c.sla.resolutionDueAt = null;
    return;
  }
  const clock = clockOf(c);
  const schedule = slaDeadlinesMs(clock, policy.sla!.policy, policy.sla!.calendar, false);
  c.clock = clock;
  c.sla.firstResponseDueAt = schedule.firstResponseDueAt;
  c.sla.nextResponseDueAt = schedule.nextResponseDueAt;
  c.sla.resolutionDueAt = schedule.resolutionDueAt;
}
