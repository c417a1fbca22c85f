/**
 * The SLA clock as the fold keeps it: who waits since when, how long the clock stood still, and the
 * deadlines in force. Computed when the event that starts, pauses or stops a clock is folded, from
 * event time and the tenant's business calendar, so live and replay give the same deadlines.
 */
import { businessTimeBetween } from '../sla/calendar.ts';
import { slaClockOf, slaDeadlines, type SlaSchedule } from '../sla/policy.ts';
import type { Conversation } from '../state.ts';
import type { FoldPolicy } from './policy.ts';

/** The customer now waits on us (a message, a reopen): the clock runs again from `at`. */
export function startWaiting(c: Conversation, at: string, policy: FoldPolicy): void {
  resumeClock(c, at, policy);
  if (c.sla.waitingSince === null) c.sla.waitingSince = at;
}

/** An agent answered: we wait on the customer; every clock but none stands still. */
export function stopWaiting(c: Conversation, at: string): void {
  c.sla.waitingSince = null;
  if (c.sla.pausedSince === null) c.sla.pausedSince = at;
}

/** Resolved: nothing runs. A reopen counts the resolved spell as paused (see `reopenClock`). */
export function stopClock(c: Conversation): void {
  c.sla.waitingSince = null;
  c.sla.pausedSince = null;
}

/** Reopened at `at` after being resolved at `resolvedAt`: that spell stood still. */
export function reopenClock(c: Conversation, resolvedAt: string | null, at: string, policy: FoldPolicy): void {
  if (resolvedAt !== null && policy.sla) c.sla.pausedMs += businessTimeBetween(resolvedAt, at, policy.sla.calendar);
  c.sla.pausedSince = null;
  c.sla.waitingSince = at;
}

function resumeClock(c: Conversation, at: string, policy: FoldPolicy): void {
  if (c.sla.pausedSince === null) return;
  if (policy.sla && at > c.sla.pausedSince) c.sla.pausedMs += businessTimeBetween(c.sla.pausedSince, at, policy.sla.calendar);
  c.sla.pausedSince = null;
}

/** The deadlines in force for the conversation as it stands (all null without an SLA policy); the warning instants too unless `warnings` is false. */
export function scheduleOf(c: Conversation, policy: FoldPolicy, warnings = true): SlaSchedule | null {
  if (!policy.sla || c.status === 'resolved') return null;
  return slaDeadlines(slaClockOf(c, { waitingSince: c.sla.waitingSince, pausedMs: c.sla.pausedMs }), policy.sla.policy, policy.sla.calendar, warnings);
}

/** Writes the deadlines in force into the projection (queues sort by them, the console shows them). */
export function refreshDeadlines(c: Conversation, policy: FoldPolicy): void {
  const schedule = scheduleOf(c, policy, false);
  c.sla.firstResponseDueAt = schedule?.firstResponseDueAt ?? null;
  c.sla.nextResponseDueAt = schedule?.nextResponseDueAt ?? null;
  c.sla.resolutionDueAt = schedule?.resolutionDueAt ?? null;
}
