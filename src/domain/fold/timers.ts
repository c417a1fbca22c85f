/**
 * Timers as projection state. What a conversation is waiting for in time (the end of its quiet
 * window, SLA warnings and breaches) is a pure function of the conversation and the tenant's policy.
 * The fold writes the difference before/after each batch into a sorted set by due time (added when
 * a clock starts, moved when it moves, removed when the awaited step happens), and a pump turns only
 * the entries that come due into workflow jobs. Most timers never fire, so most are never jobs; and
 * a rebuild derives the same set, so pending timers survive it.
 */
import { slaTimers, type SlaTimerKind } from '../sla/timers.ts';
import type { SlaMetric } from '../sla/policy.ts';
import { iso, ms } from '../time.ts';
import type { FoldPolicy } from './policy.ts';
import type { ConversationState } from './fold-state.ts';
import { scheduleOf } from './sla-clock.ts';

export type TimerKind = 'auto-resolve' | SlaTimerKind;

export interface Timer {
  kind: TimerKind;
  conversationId: string;
  /** When the timer is due (the warning instant for a warning). */
  at: string;
  /** The deadline the timer is for (for auto-resolve: the end of the quiet window, same as `at`). */
  dueAt: string;
  metric: SlaMetric | null;
}

/** A fired SLA timer's mark in `sla.fired`: what sla.warned / sla.breached say, so it is never asked for again. */
export const firedMark = (kind: SlaTimerKind, metric: SlaMetric, dueAt: string) => `${kind}|${metric}|${iso(ms(dueAt))}`;

/** The timers the conversation waits on now, in a fixed order. */
export function timersOf(c: ConversationState, policy: FoldPolicy): Timer[] {
  if (c.status === 'resolved') return [];
  const quietEnds = iso(c.lastActivityAt + policy.autoResolveAfterMs);
  const timers: Timer[] = [{ kind: 'auto-resolve', conversationId: c.id, at: quietEnds, dueAt: quietEnds, metric: null }];
  const schedule = scheduleOf(c, policy);
  if (!schedule) return timers;
  for (const t of slaTimers(schedule)) {
    if (c.sla.breached.includes(t.metric)) continue;
    if (c.sla.fired.includes(firedMark(t.kind, t.metric, t.dueAt))) continue;
    timers.push({ kind: t.kind, conversationId: c.id, at: t.at, dueAt: t.dueAt, metric: t.metric });
  }
  return timers;
}

/** The timer's member in the sorted set: names the customer (whose projection the job re-reads) and the timer. */
export function timerMember(tenant: string, customer: string, t: Timer): string {
  return JSON.stringify([tenant, customer, t.conversationId, t.kind, t.metric, t.dueAt, t.at]);
}

export interface DueTimer extends Timer {
  tenant: string;
  customer: string;
}

export function parseTimerMember(member: string): DueTimer {
  const [tenant, customer, conversationId, kind, metric, dueAt, at] = JSON.parse(member) as [string, string, string, TimerKind, SlaMetric | null, string, string];
  return { tenant, customer, conversationId, kind, metric, dueAt, at };
}
