/**
 * What the fold holds between events, and how it becomes the projection. The fold computes with
 * times, so it keeps them as epoch milliseconds: an event's time is parsed once, when the event is
 * applied, and ISO text is written once, when a projection is written or read (`conversationView`,
 * `customerView`). The projection (src/domain/state.ts) is the public read model and stays exactly
 * what it was: the views build its objects field by field, in its order, so its JSON is the same
 * bytes whichever form the fold kept.
 *
 * The state may carry what only the fold needs (`clock`, the inputs its SLA deadlines were computed
 * from); the views leave it out.
 */
import type { Assignment, Channel, ContactHistory, Conversation, ConversationMetrics, Customer, Identity, SurveyRecord } from '../state.ts';
import { iso, ms } from '../time.ts';

type Ms = number;

export interface SurveyState extends Omit<SurveyRecord, 'sentAt' | 'answeredAt'> {
  sentAt: Ms;
  answeredAt: Ms | null;
}

export interface SlaState {
  firstResponseDueAt: Ms | null;
  nextResponseDueAt: Ms | null;
  resolutionDueAt: Ms | null;
  breached: string[];
  waitingSince: Ms | null;
  pausedSince: Ms | null;
  pausedMs: number;
  fired: string[];
}

export interface MetricsState extends Omit<ConversationMetrics, 'spells' | 'firstResolvedAt' | 'handlingSince'> {
  spells: Ms[];
  firstResolvedAt: Ms | null;
  handlingSince: Ms | null;
}

/**
 * What the SLA deadlines in force were computed from: while these are unchanged, so are the
 * deadlines, and an event that moves none of them (most do not) computes nothing.
 */
export interface ClockInputs {
  channel: Channel;
  priority: Conversation['priority'];
  openedAt: Ms;
  waitingSince: Ms | null;
  pausedMs: number;
  firstResponseAt: Ms | null;
}

export interface ConversationState
  extends Omit<
    Conversation,
    | 'openedAt'
    | 'firstCustomerMessageAt'
    | 'firstResponseAt'
    | 'lastCustomerMessageAt'
    | 'lastAgentMessageAt'
    | 'lastActivityAt'
    | 'resolvedAt'
    | 'assignment'
    | 'sla'
    | 'surveys'
    | 'metrics'
  > {
  openedAt: Ms;
  firstCustomerMessageAt: Ms | null;
  firstResponseAt: Ms | null;
  lastCustomerMessageAt: Ms | null;
  lastAgentMessageAt: Ms | null;
  lastActivityAt: Ms;
  resolvedAt: Ms | null;
  assignment: (Omit<Assignment, 'at'> & { at: Ms }) | null;
  sla: SlaState;
  surveys: SurveyState[];
  metrics: MetricsState;
  /** The fold's own: the inputs of the deadlines in `sla` (null: none computed yet). Never projected. */
  clock?: ClockInputs | null;
}

export interface IdentityState extends Omit<Identity, 'firstSeenAt'> {
  firstSeenAt: Ms;
}

export interface ContactHistoryState {
  lastResolved: Record<string, { conversation: string; resolvedAt: Ms }>;
  repeatedAfterMs: Record<string, number>;
}

export interface CustomerState extends Omit<Customer, 'identities' | 'firstSeenAt' | 'lastSeenAt' | 'lastSurveyAt' | 'contactHistory'> {
  identities: IdentityState[];
  firstSeenAt: Ms;
  lastSeenAt: Ms;
  lastSurveyAt: { csat: Ms | null; nps: Ms | null };
  contactHistory?: ContactHistoryState;
}

const isoOrNull = (t: Ms | null): string | null => (t === null ? null : iso(t));
const msOrNull = (t: string | null): Ms | null => (t === null ? null : ms(t));

/** The projection of a conversation state: the public record, field for field in its order. */
export function conversationView(c: ConversationState): Conversation {
  const m = c.metrics;
  return {
    id: c.id,
    tenant: c.tenant,
    customer: c.customer,
    status: c.status,
    initiatedBy: c.initiatedBy,
    openedAt: iso(c.openedAt),
    channels: c.channels,
    replyTo: c.replyTo,
    subject: c.subject,
    category: c.category,
    priority: c.priority,
    language: c.language,
    team: c.team,
    assignee: c.assignee,
    assignment: c.assignment && { at: iso(c.assignment.at), reason: c.assignment.reason, channel: c.assignment.channel },
    bot: c.bot,
    handoff: c.handoff,
    firstCustomerMessageAt: isoOrNull(c.firstCustomerMessageAt),
    firstResponseAt: isoOrNull(c.firstResponseAt),
    lastCustomerMessageAt: isoOrNull(c.lastCustomerMessageAt),
    lastAgentMessageAt: isoOrNull(c.lastAgentMessageAt),
    lastActivityAt: iso(c.lastActivityAt),
    resolvedAt: isoOrNull(c.resolvedAt),
    resolution: c.resolution,
    reopenCount: c.reopenCount,
    messageCount: c.messageCount,
    sla: {
      firstResponseDueAt: isoOrNull(c.sla.firstResponseDueAt),
      nextResponseDueAt: isoOrNull(c.sla.nextResponseDueAt),
      resolutionDueAt: isoOrNull(c.sla.resolutionDueAt),
      breached: c.sla.breached,
      waitingSince: isoOrNull(c.sla.waitingSince),
      pausedSince: isoOrNull(c.sla.pausedSince),
      pausedMs: c.sla.pausedMs,
      fired: c.sla.fired,
    },
    surveys: c.surveys.map((s) => ({ id: s.id, kind: s.kind, channel: s.channel, sentAt: iso(s.sentAt), score: s.score, answeredAt: isoOrNull(s.answeredAt) })),
    metrics: {
      spells: m.spells.map(iso),
      firstResolvedAt: isoOrNull(m.firstResolvedAt),
      nextResponseMs: m.nextResponseMs,
      handlingMs: m.handlingMs,
      handlingSince: isoOrNull(m.handlingSince),
      lastAgent: m.lastAgent,
      sla: m.sla,
      repeatOf: m.repeatOf,
    },
  };
}

/** A stored or read projection as the fold keeps it (times parsed once, here). */
export function conversationState(c: Conversation): ConversationState {
  const m = c.metrics;
  return {
    id: c.id,
    tenant: c.tenant,
    customer: c.customer,
    status: c.status,
    initiatedBy: c.initiatedBy,
    openedAt: ms(c.openedAt),
    channels: c.channels,
    replyTo: c.replyTo,
    subject: c.subject,
    category: c.category,
    priority: c.priority,
    language: c.language,
    team: c.team,
    assignee: c.assignee,
    assignment: c.assignment && { at: ms(c.assignment.at), reason: c.assignment.reason, channel: c.assignment.channel },
    bot: c.bot,
    handoff: c.handoff,
    firstCustomerMessageAt: msOrNull(c.firstCustomerMessageAt),
    firstResponseAt: msOrNull(c.firstResponseAt),
    lastCustomerMessageAt: msOrNull(c.lastCustomerMessageAt),
    lastAgentMessageAt: msOrNull(c.lastAgentMessageAt),
    lastActivityAt: ms(c.lastActivityAt),
    resolvedAt: msOrNull(c.resolvedAt),
    resolution: c.resolution,
    reopenCount: c.reopenCount,
    messageCount: c.messageCount,
    sla: {
      firstResponseDueAt: msOrNull(c.sla.firstResponseDueAt),
      nextResponseDueAt: msOrNull(c.sla.nextResponseDueAt),
      resolutionDueAt: msOrNull(c.sla.resolutionDueAt),
      breached: c.sla.breached,
      waitingSince: msOrNull(c.sla.waitingSince),
      pausedSince: msOrNull(c.sla.pausedSince),
      pausedMs: c.sla.pausedMs,
      fired: c.sla.fired,
    },
    surveys: c.surveys.map((s) => ({ id: s.id, kind: s.kind, channel: s.channel, sentAt: ms(s.sentAt), score: s.score, answeredAt: msOrNull(s.answeredAt) })),
    metrics: {
      spells: m.spells.map(ms),
      firstResolvedAt: msOrNull(m.firstResolvedAt),
      nextResponseMs: m.nextResponseMs,
      handlingMs: m.handlingMs,
      handlingSince: msOrNull(m.handlingSince),
      lastAgent: m.lastAgent,
      sla: m.sla,
      repeatOf: m.repeatOf,
    },
    clock: null,
  };
}

/** The projection of a customer state, field for field in its order (`contactHistory` last, once there is one). */
export function customerView(c: CustomerState): Customer {
  const view: Customer = {
    tenant: c.tenant,
    id: c.id,
    identities: c.identities.map((i) => ({ channel: i.channel, provider: i.provider, handle: i.handle, firstSeenAt: iso(i.firstSeenAt) })),
    openConversationId: c.openConversationId,
    conversationIds: c.conversationIds,
    mergedInto: c.mergedInto,
    mergedFrom: c.mergedFrom,
    firstSeenAt: iso(c.firstSeenAt),
    lastSeenAt: iso(c.lastSeenAt),
    lastAssignee: c.lastAssignee,
    lastSurveyAt: { csat: isoOrNull(c.lastSurveyAt.csat), nps: isoOrNull(c.lastSurveyAt.nps) },
  };
  if (c.contactHistory) view.contactHistory = contactHistoryView(c.contactHistory);
  return view;
}

export function customerState(c: Customer): CustomerState {
  const state: CustomerState = {
    tenant: c.tenant,
    id: c.id,
    identities: c.identities.map((i) => ({ channel: i.channel, provider: i.provider, handle: i.handle, firstSeenAt: ms(i.firstSeenAt) })),
    openConversationId: c.openConversationId,
    conversationIds: c.conversationIds,
    mergedInto: c.mergedInto,
    mergedFrom: c.mergedFrom,
    firstSeenAt: ms(c.firstSeenAt),
    lastSeenAt: ms(c.lastSeenAt),
    lastAssignee: c.lastAssignee,
    lastSurveyAt: { csat: msOrNull(c.lastSurveyAt.csat), nps: msOrNull(c.lastSurveyAt.nps) },
  };
  if (c.contactHistory) state.contactHistory = contactHistoryState(c.contactHistory);
  return state;
}

function contactHistoryView(h: ContactHistoryState): ContactHistory {
  const lastResolved: ContactHistory['lastResolved'] = {};
  for (const [category, last] of Object.entries(h.lastResolved)) lastResolved[category] = { conversation: last.conversation, resolvedAt: iso(last.resolvedAt) };
  return { lastResolved, repeatedAfterMs: h.repeatedAfterMs };
}

function contactHistoryState(h: ContactHistory): ContactHistoryState {
  const lastResolved: ContactHistoryState['lastResolved'] = {};
  for (const [category, last] of Object.entries(h.lastResolved)) lastResolved[category] = { conversation: last.conversation, resolvedAt: ms(last.resolvedAt) };
  return { lastResolved, repeatedAfterMs: h.repeatedAfterMs };
}

