/**
 * The fold's bookkeeping for the KPI report (docs/metrics.md). `applyEvent` takes a small snapshot
 * of the conversations an event can touch before applying it (`watchMetrics`), and afterwards
 * (`recordMetrics`) turns the difference into metric facts: a response ended a wait, a clock stopped
 * before or after its deadline, a handling spell started or ended, a conversation repeats an
 * earlier contact. Working from the difference keeps evolve's rules in one place: whatever evolve
 * decides a response or a resolution is, the metrics follow. Event time only, like the fold.
 */
import type { AnyEvent } from '../../../events/index.ts';
import { businessMsBetween } from '../sla/calendar.ts';
import { slaDeadlinesMs } from '../sla/policy.ts';
import type { ConversationStatus, SlaOutcome } from '../state.ts';
import type { FoldPolicy } from './policy.ts';
import { conversationChannel } from '../conversation-channel.ts';
import type { ContactHistoryState, ConversationState, CustomerState } from './fold-state.ts';

/** What a conversation looked like before the event: only what the transitions below compare. */
export interface MetricsWatch {
  id: string;
  status: ConversationStatus;
  category: string | null;
  firstResponseAt: number | null;
  lastAgentMessageAt: number | null;
  waitingSince: number | null;
  pausedSince: number | null;
  pausedMs: number;
  firstResponseDueAt: number | null;
  nextResponseDueAt: number | null;
}

function watch(w: MetricsWatch, c: ConversationState): MetricsWatch {
  w.id = c.id;
  w.status = c.status;
  w.category = c.category;
  w.firstResponseAt = c.firstResponseAt;
  w.lastAgentMessageAt = c.lastAgentMessageAt;
  w.waitingSince = c.sla.waitingSince;
  w.pausedSince = c.sla.pausedSince;
  w.pausedMs = c.sla.pausedMs;
  w.firstResponseDueAt = c.sla.firstResponseDueAt;
  w.nextResponseDueAt = c.sla.nextResponseDueAt;
  return w;
}

const blank = (): MetricsWatch => ({ id: '', status: 'open', category: null, firstResponseAt: null, lastAgentMessageAt: null, waitingSince: null, pausedSince: null, pausedMs: 0, firstResponseDueAt: null, nextResponseDueAt: null });

/**
 * The snapshots are taken for every event and read only until the event is applied (events are
 * applied one at a time), so two snapshots and their list are reused rather than made per event.
 */
const slots = [blank(), blank()] as const;
const watchedNow: MetricsWatch[] = [];

/**
 * Before the event: the open conversation and the one the event names (all an event can change
 * that metrics care about). The list is valid until the next call.
 */
export function watchMetrics(conversations: Record<string, ConversationState>, customer: CustomerState, event: AnyEvent): readonly MetricsWatch[] {
  watchedNow.length = 0;
  const open = customer.openConversationId ? conversations[customer.openConversationId] : undefined;
  if (open) watchedNow.push(watch(slots[0], open));
  const named = event.conversation && event.conversation !== open?.id ? conversations[event.conversation] : undefined;
  if (named) watchedNow.push(watch(slots[1], named));
  return watchedNow;
}

/** After the event: metric facts from what changed, on the watched conversations and on one the event opened. */
export function recordMetrics(
  conversations: Record<string, ConversationState>,
  customer: CustomerState,
  watched: readonly MetricsWatch[],
  event: AnyEvent,
  at: number,
  policy: FoldPolicy,
): void {
  for (const before of watched) {
    const c = conversations[before.id];
    if (c) track(customer, c, before, event, at, policy);
  }
  const opened = customer.openConversationId;
  if (opened && !(watched[0]?.id === opened || watched[1]?.id === opened)) {
    const c = conversations[opened];
    if (c) track(customer, c, null, event, at, policy);
  }
}

function track(customer: CustomerState, c: ConversationState, before: MetricsWatch | null, event: AnyEvent, at: number, policy: FoldPolicy): void {
  const m = c.metrics;
  if (before && before.status !== 'resolved' && c.status === 'resolved') resolved(customer, c, before, policy);
  if (before && before.status === 'resolved' && c.status !== 'resolved') reopened(customer, c, at);

  if (c.lastAgentMessageAt !== (before?.lastAgentMessageAt ?? null) && event.type === 'message.sent' && event.data.author.kind === 'agent') {
    m.lastAgent = event.data.author.id;
  }
  // The live timer found the first-response deadline passed: breached, whether or not a response ever comes.
  if (event.type === 'sla.breached' && event.data.metric === 'firstResponse' && c.id === event.conversation && c.firstResponseAt === null) m.sla.firstResponse = 'breached';
  if (before && before.firstResponseAt === null && c.firstResponseAt !== null) {
    // A breach already recorded stands (the deadline moves with an escalation's priority, the verdict does not).
    if (m.sla.firstResponse !== 'breached') m.sla.firstResponse = outcome(c.firstResponseAt, before.firstResponseDueAt);
  } else if (before && answeredWait(c, before)) {
    m.nextResponseMs.push(at - before.waitingSince!);
    const verdict = outcome(at, before.nextResponseDueAt);
    if (verdict === 'met') m.sla.nextResponseMet++;
    if (verdict === 'breached') m.sla.nextResponseBreached++;
  }
  // Handling runs while someone on our side has it: assigned, or an agent has written in it.
  if (c.status !== 'resolved' && m.handlingSince === null && (c.assignee !== null || c.lastAgentMessageAt !== null)) m.handlingSince = at;
  if (before && before.category === null && c.category !== null) repeatCheck(customer, c);
}

/** A human agent's message ended a customer's wait that was not the wait for the first response. */
function answeredWait(c: ConversationState, before: MetricsWatch): boolean {
  const responded = before.firstResponseAt !== null || c.initiatedBy === 'agent';
  return responded && before.waitingSince !== null && c.sla.waitingSince === null && c.status !== 'resolved' && c.lastAgentMessageAt !== before.lastAgentMessageAt;
}

const outcome = (stoppedAt: number, dueAt: number | null): SlaOutcome | null => (dueAt === null ? null : stoppedAt <= dueAt ? 'met' : 'breached');

function resolved(customer: CustomerState, c: ConversationState, before: MetricsWatch, policy: FoldPolicy): void {
  const m = c.metrics;
  const resolvedAt = c.resolvedAt!;
  m.spells.push(resolvedAt);
  m.firstResolvedAt ??= resolvedAt;
  if (m.handlingSince !== null) {
    m.handlingMs += Math.max(0, resolvedAt - m.handlingSince);
    m.handlingSince = null;
  }
  // Clocks that were running stop here; one whose deadline had passed is breached.
  if (c.firstResponseAt === null && outcome(resolvedAt, before.firstResponseDueAt) === 'breached') m.sla.firstResponse = 'breached';
  if (outcome(resolvedAt, before.nextResponseDueAt) === 'breached') m.sla.nextResponseBreached++;
  const resolution = resolutionOutcome(c, before, resolvedAt, policy);
  // Once breached, a later resolution (after a reopen) cannot make it met again.
  if (resolution !== null && m.sla.resolution !== 'breached') m.sla.resolution = resolution;
  if (c.initiatedBy === 'customer' && c.reopenCount === 0) {
    history(customer).lastResolved[c.category ?? ''] = { conversation: c.id, resolvedAt };
  }
}

/**
 * The resolution target counts open business time only (pending on the customer, and resolved
 * before a reopen, stand still): met when the time it stood open up to this resolution is within it.
 */
function resolutionOutcome(c: ConversationState, before: MetricsWatch, resolvedAt: number, policy: FoldPolicy): SlaOutcome | null {
  if (!policy.sla || c.initiatedBy !== 'customer') return null;
  const pausedNow = before.pausedSince !== null && resolvedAt > before.pausedSince ? businessMsBetween(before.pausedSince, resolvedAt, policy.sla.calendar) : 0;
  const schedule = slaDeadlinesMs(
    {
      channel: conversationChannel(c),
      priority: c.priority,
      openedAt: c.firstCustomerMessageAt ?? c.openedAt,
      waitingSince: resolvedAt,
      pausedMs: before.pausedMs + pausedNow,
      firstResponseAt: c.firstResponseAt ?? resolvedAt,
    },
    policy.sla.policy,
    policy.sla.calendar,
    false,
  );
  return outcome(resolvedAt, schedule.resolutionDueAt);
}

function reopened(customer: CustomerState, c: ConversationState, at: number): void {
  c.metrics.spells.push(at);
  // A reopened conversation was not resolved at first contact, so a later one cannot repeat it.
  const h = customer.contactHistory;
  if (h) for (const [category, last] of Object.entries(h.lastResolved)) if (last.conversation === c.id) delete h.lastResolved[category];
}

/** First triage: a conversation of the category the customer's last first-contact resolution had repeats it. */
function repeatCheck(customer: CustomerState, c: ConversationState): void {
  if (c.initiatedBy !== 'customer') return;
  const h = customer.contactHistory;
  const last = h?.lastResolved[c.category!];
  if (!h || !last || last.conversation === c.id) return;
  const gapMs = c.openedAt - last.resolvedAt;
  if (gapMs < 0) return;
  c.metrics.repeatOf = { conversation: last.conversation, gapMs };
  const known = h.repeatedAfterMs[last.conversation];
  if (known === undefined || gapMs < known) h.repeatedAfterMs[last.conversation] = gapMs;
}

function history(customer: CustomerState): ContactHistoryState {
  return (customer.contactHistory ??= { lastResolved: {}, repeatedAfterMs: {} });
}
