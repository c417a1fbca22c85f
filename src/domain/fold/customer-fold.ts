import type { AnyEvent, EventEnvelope } from '../../../events/index.ts';
import { conversationState, customerState, customerView, type ConversationState, type CustomerState } from './fold-state.ts';
import type { Conversation, Customer, Priority, TranscriptEntry } from '../state.ts';
import { conversationIdFor, newConversation, withChannel } from './conversation.ts';
import { iso, ms } from '../time.ts';
import { DEDUPE_WINDOW, HOT_CONVERSATIONS, type FoldPolicy } from './policy.ts';
import { jobIds, type WorkflowTrigger } from './triggers.ts';
import { conversationChannel } from '../conversation-channel.ts';
import { parseSurveyReply } from '../survey/reply.ts';
import { refreshDeadlines, reopenClock, startWaiting, stopClock, stopWaiting } from './sla-clock.ts';
import { firedMark } from './timers.ts';
import { recordMetrics, watchMetrics } from './metrics.ts';
import { deliveryReported, outboundMessageSent, watermarkReported, type DeliveryRecord } from './delivery.ts';
import { awaitMedia, mediaFetched, transcriptAttachments, type MediaRecord } from './media.ts';

/**
 * Everything the fold keeps for one tenant/customer: the customer, the conversations it may touch
 * (the open one and the latest few; older ones are loaded when an event names them), the ids
 * of the latest events (a duplicate is dropped, never folded twice), and what became of its latest
 * outbound messages.
 */
export interface CustomerFold {
  tenant: string;
  customerId: string;
  customer: CustomerState | null;
  conversations: Record<string, ConversationState>;
  recentEventIds: string[];
  /** Set once the customer has an outbound message or a delivery report (see delivery.ts). */
  delivery?: DeliveryRecord;
  /** Set once the customer sent a file a provider kept (see media.ts). */
  media?: MediaRecord;
}

/** What folding produced besides the new state: what to write and which workflow jobs to ask for. */
export interface FoldEffects {
  customerChanged: boolean;
  changedConversations: Set<string>;
  /** The conversations the event being applied changed (a subset of changedConversations). */
  touched: string[];
  transcript: Array<{ conversationId: string; entry: TranscriptEntry }>;
  triggers: WorkflowTrigger[];
  /**
   * Messages whose delivery state (outbound) or fetched files (inbound) an event changed, with that
   * event and the message's conversation: a provider's report or a fetch names no conversation, and
   * the change feed announces this one.
   */
  delivery: Array<{ eventId: string; conversationId: string; messageId: string }>;
  applied: number;
  duplicates: number;
  /**
   * What the caller will read besides the state. A replay for a report needs neither workflow jobs
   * nor transcript lines; building them (job ids are escaped and joined, entries copy the message)
   * was a tenth of its fold. The state is the same either way.
   */
  readonly keep: EffectsKept;
}

export interface EffectsKept {
  transcript: boolean;
  triggers: boolean;
}

const KEEP_ALL: EffectsKept = { transcript: true, triggers: true };

/** A customer's fold as it is stored and read (src/projections): the customer as its projection. */
export type StoredCustomerFold = Omit<CustomerFold, 'customer' | 'conversations'> & { customer: Customer | null; conversations: Record<string, Conversation> };

/** The stored form of a fold's customer (its conversations are stored on their own, see src/projections/store.ts). */
export const storedFold = (fold: CustomerFold): StoredCustomerFold => ({ ...fold, customer: fold.customer && customerView(fold.customer), conversations: {} });

/** A stored fold as the fold keeps it; the field order is the stored one. */
export const foldFromStored = (stored: StoredCustomerFold): CustomerFold => ({
  ...stored,
  customer: stored.customer && customerState(stored.customer),
  conversations: Object.fromEntries(Object.entries(stored.conversations).map(([id, c]) => [id, conversationState(c)])),
});

export const emptyFold = (tenant: string, customerId: string): CustomerFold => ({
  tenant,
  customerId,
  customer: null,
  conversations: {},
  recentEventIds: [],
});

export const noEffects = (keep: EffectsKept = KEEP_ALL): FoldEffects => ({
  customerChanged: false,
  changedConversations: new Set(),
  touched: [],
  transcript: [],
  triggers: [],
  delivery: [],
  applied: 0,
  duplicates: 0,
  keep,
});

/** Pure: folds events into a copy of state. */
export function foldEvents(state: CustomerFold, events: readonly AnyEvent[], policy: FoldPolicy): { state: CustomerFold; effects: FoldEffects } {
  const next = structuredClone(state);
  const effects = noEffects();
  for (const event of events) applyEvent(next, event, policy, effects);
  return { state: next, effects };
}

/**
 * Applies one event to a state the caller owns (the hot path folds a freshly read state in place;
 * `foldEvents` is the copying form). Returns false for a duplicate.
 */
export function applyEvent(fold: CustomerFold, event: AnyEvent, policy: FoldPolicy, fx: FoldEffects): boolean {
  if (seenRecently(fold.recentEventIds, event.id)) {
    fx.duplicates++;
    return false;
  }
  fold.recentEventIds.push(event.id);
  // shift, not splice: splice returns the removed ids as a new array, for every event once the window is full.
  while (fold.recentEventIds.length > DEDUPE_WINDOW) fold.recentEventIds.shift();

  // The event's time, parsed once: the fold computes with numbers (fold-state.ts).
  const at = ms(event.time);
  // Reused, not reallocated: an event touches one or two conversations (a Set's clear allocates).
  if (fx.touched.length > 0) fx.touched.length = 0;
  const customer = touchCustomer(fold, at, fx);
  const watched = watchMetrics(fold.conversations, customer, event);
  closeIfInactive(fold, customer, at, policy, fx);
  evolve(fold, customer, event, at, policy, fx);
  // Deadlines follow every change (priority, waiting, pauses); cheap, and never stale.
  for (const id of fx.touched) {
    const c = fold.conversations[id];
    if (c) refreshDeadlines(c, policy);
  }
  recordMetrics(fold.conversations, customer, watched, event, at, policy);
  fx.applied++;
  return true;
}

/**
 * `ids.includes(id)`, cheaper for the common miss: event ids from one source share a prefix and
 * length (`ev-5-1234`, `wamid.HBgL…`), so a plain comparison reads several characters of each of
 * up to DEDUPE_WINDOW ids; the last character tells most apart at once.
 */
function seenRecently(ids: readonly string[], id: string): boolean {
  const length = id.length;
  if (length === 0) return ids.includes(id);
  const last = id.charCodeAt(length - 1);
  for (let i = ids.length - 1; i >= 0; i--) {
    const seen = ids[i]!;
    if (seen.length === length && seen.charCodeAt(length - 1) === last && seen === id) return true;
  }
  return false;
}

/** Conversation ids that events name and the state does not hold: the store loads them first. */
export function missingConversations(fold: CustomerFold, events: readonly AnyEvent[]): string[] {
  const missing = new Set<string>();
  for (const e of events) if (e.conversation && !fold.conversations[e.conversation]) missing.add(e.conversation);
  return [...missing];
}

/** Drops conversations the fold will not need soon from the in-state set (they stay stored on their own). */
export function pruneHotSet(fold: CustomerFold): void {
  const keep = new Set(fold.customer?.conversationIds.slice(-HOT_CONVERSATIONS) ?? []);
  if (fold.customer?.openConversationId) keep.add(fold.customer.openConversationId);
  for (const id of Object.keys(fold.conversations)) if (!keep.has(id)) delete fold.conversations[id];
}

function touchCustomer(fold: CustomerFold, at: number, fx: FoldEffects): CustomerState {
  fx.customerChanged = true;
  if (!fold.customer) {
    fold.customer = {
      tenant: fold.tenant,
      id: fold.customerId,
      identities: [],
      openConversationId: null,
      conversationIds: [],
      mergedInto: null,
      mergedFrom: [],
      firstSeenAt: at,
      lastSeenAt: at,
      lastAssignee: null,
      lastSurveyAt: { csat: null, nps: null },
    };
  }
  if (at > fold.customer.lastSeenAt) fold.customer.lastSeenAt = at;
  return fold.customer;
}

function changed(fx: FoldEffects, conversation: ConversationState): void {
  fx.changedConversations.add(conversation.id);
  if (!fx.touched.includes(conversation.id)) fx.touched.push(conversation.id);
}

function openConversationOf(fold: CustomerFold, customer: CustomerState): ConversationState | undefined {
  return customer.openConversationId ? fold.conversations[customer.openConversationId] : undefined;
}

/**
 * Segmentation from event time alone: an open conversation nobody wrote in for the tenant's window
 * is resolved at the end of that window, before the next event is applied. The live timer emits
 * the same resolution (same `at`), so whichever comes first, the state is the same.
 */
function closeIfInactive(fold: CustomerFold, customer: CustomerState, at: number, policy: FoldPolicy, fx: FoldEffects): void {
  const open = openConversationOf(fold, customer);
  if (!open || open.status === 'resolved') return;
  const dueMs = open.lastActivityAt + policy.autoResolveAfterMs;
  if (at < dueMs) return;
  resolve(customer, open, dueMs, { by: 'inactivity', actorId: null }, fx, () => `inactivity:${open.id}:${iso(dueMs)}`);
}

function resolve(
  customer: CustomerState,
  conversation: ConversationState,
  at: number,
  resolution: NonNullable<ConversationState['resolution']>,
  fx: FoldEffects,
  causeId: string | (() => string),
): void {
  conversation.status = 'resolved';
  conversation.resolvedAt = at;
  conversation.resolution = resolution;
  stopClock(conversation);
  if (customer.openConversationId === conversation.id) customer.openConversationId = null;
  changed(fx, conversation);
  if (!fx.keep.triggers) return;
  // The agent's seat is free again: the queues may hold someone for it.
  const atText = iso(at);
  if (conversation.assignee !== null) fx.triggers.push({ kind: 'drain', jobId: jobIds.drain(typeof causeId === 'string' ? causeId : causeId()), conversationId: conversation.id, at: atText });
  fx.triggers.push({
    kind: 'survey',
    jobId: jobIds.survey(conversation.id, conversation.reopenCount),
    conversationId: conversation.id,
    at: atText,
    resolvedAt: atText,
  });
}

function open(
  fold: CustomerFold,
  customer: CustomerState,
  event: EventEnvelope<'message.received' | 'message.sent'>,
  at: number,
  initiatedBy: ConversationState['initiatedBy'],
  fx: FoldEffects,
): ConversationState {
  const channel = event.data.channel;
  const conversation = newConversation({ id: conversationIdFor(event.id), tenant: fold.tenant, customer: fold.customerId, at, initiatedBy, channel });
  fold.conversations[conversation.id] = conversation;
  customer.conversationIds.push(conversation.id);
  customer.openConversationId = conversation.id;
  changed(fx, conversation);
  if (initiatedBy === 'customer' && fx.keep.triggers) {
    fx.triggers.push({ kind: 'triage', jobId: jobIds.triage(conversation.id), conversationId: conversation.id, at: iso(at) });
  }
  return conversation;
}

/** The conversation needs people: the bot's turn first (if it never had one), then the queue drain. */
function route(conversation: ConversationState, event: AnyEvent, at: number, fx: FoldEffects): void {
  if (fx.keep.triggers) fx.triggers.push({ kind: 'route', jobId: jobIds.route(conversation.id, event.id), conversationId: conversation.id, at: iso(at) });
}

function evolve(fold: CustomerFold, customer: CustomerState, event: AnyEvent, at: number, policy: FoldPolicy, fx: FoldEffects): void {
  switch (event.type) {
    case 'message.received':
      return customerWrote(fold, customer, event, at, policy, fx);
    case 'message.sent':
      return weWrote(fold, customer, event, at, policy, fx);
    case 'customer.identified':
      addIdentity(customer, event.data, at);
      return;
    case 'customer.merged':
      if (event.data.absorbed === customer.id) customer.mergedInto = event.data.survivor;
      else if (!customer.mergedFrom.includes(event.data.absorbed)) customer.mergedFrom.push(event.data.absorbed);
      return;
    case 'conversation.triaged':
      return onConversation(fold, event, fx, (c) => {
        c.category = event.data.category;
        c.priority = event.data.priority;
        // Fix: null means triage could not tell; it must not erase a language the message declared
        // (routing to agents who speak it depends on it). Same rule as `team` just below.
        if (event.data.language) c.language = event.data.language;
        if (event.data.team) c.team = event.data.team;
        if (c.assignee === null && c.status !== 'resolved' && c.bot !== 'answering') route(c, event, at, fx);
      });
    case 'conversation.assigned':
      return onConversation(fold, event, fx, (c) => {
        c.assignee = event.data.assignee;
        c.assignment = { at, reason: event.data.reason, channel: event.data.channel ?? conversationChannel(c) };
        if (event.data.team) c.team = event.data.team;
        if (c.bot === 'answering') c.bot = 'handed-off';
        customer.lastAssignee = event.data.assignee;
      });
    case 'conversation.transferred':
      return onConversation(fold, event, fx, (c) => {
        const from = c.assignee;
        c.assignee = event.data.toAgent;
        c.assignment = event.data.toAgent ? { at, reason: 'transfer', channel: c.assignment?.channel ?? conversationChannel(c) } : null;
        if (event.data.toTeam) c.team = event.data.toTeam;
        if (event.data.toAgent) customer.lastAssignee = event.data.toAgent;
        if (event.data.by.kind === 'bot') {
          c.bot = 'handed-off';
          c.handoff = event.data.reason ?? null;
        }
        if (from !== null && from !== event.data.toAgent && fx.keep.triggers) fx.triggers.push({ kind: 'drain', jobId: jobIds.drain(event.id), conversationId: c.id, at: iso(at) });
        if (event.data.toAgent === null && c.status !== 'resolved') route(c, event, at, fx);
      });
    case 'conversation.escalated':
      return onConversation(fold, event, fx, (c) => {
        // Fix: escalation climbs the ladder; a rung whose default priority is below the current one
        // (say an agent made it urgent, the SLA rung says high) must not lower it. Only
        // conversation.priority_changed, an explicit decision, may lower a priority.
        if (PRIORITY_RANK[event.data.priority] > PRIORITY_RANK[c.priority]) c.priority = event.data.priority;
        if (event.data.team) c.team = event.data.team;
      });
    case 'conversation.priority_changed':
      return onConversation(fold, event, fx, (c) => {
        c.priority = event.data.priority;
      });
    case 'conversation.resolved': {
      const c = event.conversation ? fold.conversations[event.conversation] : undefined;
      // Already resolved (say, by the fold's inactivity rule before the timer's event came): no-op.
      if (!c || c.status === 'resolved') return;
      // Fix: a timer's inactivity resolution is stale when someone wrote (or the conversation was
      // reopened) after the timer read the projection: its window no longer ends at `data.at`.
      // Applying it would resolve a live conversation as of a time before its last activity, and
      // the fold's own rule (closeIfInactive) would never have done so, so live would differ from replay.
      const resolvedAt = ms(event.data.at);
      if (event.data.reason === 'inactivity' && resolvedAt < c.lastActivityAt + policy.autoResolveAfterMs) return;
      const by = event.data.reason === 'inactivity' ? 'inactivity' : event.data.by.kind === 'customer' ? 'customer' : event.data.by.kind === 'agent' ? 'agent' : 'system';
      return resolve(customer, c, resolvedAt, { by, actorId: event.data.reason === 'inactivity' ? null : event.data.by.id }, fx, event.id);
    }
    case 'conversation.reopened': {
      const c = event.conversation ? fold.conversations[event.conversation] : undefined;
      if (!c || c.status !== 'resolved') return;
      // A second open conversation would split the customer's messages; the action API refuses it,
      // and the fold resolves the other one should such an event reach the log anyway.
      const other = openConversationOf(fold, customer);
      if (other && other.id !== c.id) resolve(customer, other, at, { by: 'system', actorId: null }, fx, () => `${event.id}/${other.id}`);
      reopenClock(c, c.resolvedAt, at, policy);
      c.status = 'open';
      c.resolvedAt = null;
      c.resolution = null;
      c.reopenCount++;
      c.lastActivityAt = Math.max(c.lastActivityAt, at);
      customer.openConversationId = c.id;
      changed(fx, c);
      // Whoever held it may hold it again; an unassigned one goes back to its queue.
      if (c.assignee === null) route(c, event, at, fx);
      return;
    }
    case 'message.status_updated': {
      // The message's state lives in the customer's delivery record, not in the conversation
      // record: a report changes no conversation field, queue, timer or KPI.
      if (event.data.watermark !== undefined) {
        for (const change of watermarkReported(fold, event, iso(at))) fx.delivery.push({ eventId: event.id, conversationId: change.conversation, messageId: change.messageId });
        return;
      }
      const change = deliveryReported(fold, event, iso(at));
      if (change) fx.delivery.push({ eventId: event.id, conversationId: change.conversation, messageId: change.messageId });
      return;
    }
    case 'message.attachment_stored':
    case 'message.attachment_failed': {
      // Like a delivery report: the file's outcome is kept beside the transcript line, joined when read.
      const conversationId = mediaFetched(fold, event);
      if (conversationId) fx.delivery.push({ eventId: event.id, conversationId, messageId: event.data.message });
      return;
    }
    case 'agent.status_changed':
    case 'account.changed':
    // An erasure destroys keys, not state: the sealed fields the fold holds read "[erased]" from then on.
    case 'customer.erased':
      // Agents' statuses fold into the agents' board; account changes are the audit trail
      // (GET /v1/audit reads them from the log).
      return;
    case 'sla.warned':
      return onConversation(fold, event, fx, (c) => {
        const mark = firedMark('sla-warning', event.data.metric, event.data.dueAt);
        if (!c.sla.fired.includes(mark)) c.sla.fired.push(mark);
      });
    case 'sla.breached':
      return onConversation(fold, event, fx, (c) => {
        if (!c.sla.breached.includes(event.data.metric)) c.sla.breached.push(event.data.metric);
        const mark = firedMark('sla-breach', event.data.metric, event.data.dueAt);
        if (!c.sla.fired.includes(mark)) c.sla.fired.push(mark);
      });
    case 'survey.sent':
      return onConversation(fold, event, fx, (c) => {
        if (c.surveys.some((s) => s.id === event.data.surveyId)) return;
        // Fix: recorded here, not before the lookup, so an event naming an unknown conversation
        // changes nothing, and a re-sent survey (same surveyId, new event id) does not move the
        // throttling clock past the invitation the customer actually got first.
        customer.lastSurveyAt[event.data.kind] = at;
        c.surveys.push({ id: event.data.surveyId, kind: event.data.kind, channel: event.data.channel, sentAt: at, score: null, answeredAt: null });
      });
    case 'survey.answered':
      return onConversation(fold, event, fx, (c) => {
        const survey = c.surveys.find((s) => s.id === event.data.surveyId);
        // The first answer counts; a later one (a second click on the e-mail link) does not change it.
        if (!survey || survey.answeredAt !== null) return;
        survey.score = event.data.score;
        survey.answeredAt = at;
        if (fx.keep.triggers) fx.triggers.push({ kind: 'survey-answered', jobId: jobIds.surveyAnswered(survey.id), conversationId: c.id, at: iso(at), surveyId: survey.id, score: survey.score, byReply: false });
      });
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

function onConversation(fold: CustomerFold, event: AnyEvent, fx: FoldEffects, change: (c: ConversationState) => void): void {
  const c = event.conversation ? fold.conversations[event.conversation] : undefined;
  if (!c) return;
  change(c);
  changed(fx, c);
}

function addIdentity(customer: CustomerState, id: { channel: ConversationState['channels'][number]; provider: string; handle: string }, at: number): void {
  const known = customer.identities.some((i) => i.channel === id.channel && i.provider === id.provider && i.handle === id.handle);
  if (!known) customer.identities.push({ channel: id.channel, provider: id.provider, handle: id.handle, firstSeenAt: at });
}

function customerWrote(
  fold: CustomerFold,
  customer: CustomerState,
  event: EventEnvelope<'message.received'>,
  at: number,
  policy: FoldPolicy,
  fx: FoldEffects,
): void {
  const d = event.data;
  addIdentity(customer, d, at);
  // A referral or opt-in says nothing to answer: like an auto-reply, it joins an open conversation's transcript only.
  if (d.automated || d.kind === 'referral' || d.kind === 'optin') return automatedReply(fold, customer, event, at, fx);
  const existing = openConversationOf(fold, customer);
  if (!existing && answersSurvey(fold, customer, event, at, policy, fx)) return;
  const c = existing ?? open(fold, customer, event, at, 'customer', fx);
  // The customer answered (or opened): the ball is in our court, the clocks run.
  if (c.status === 'pending') c.status = 'open';
  startWaiting(c, at, policy);
  if (existing && c.bot === 'answering' && fx.keep.triggers) fx.triggers.push({ kind: 'bot', jobId: jobIds.bot(c.id, event.id), conversationId: c.id, at: iso(at) });
  c.channels = withChannel(c.channels, d.channel);
  c.replyTo = { channel: d.channel, provider: d.provider, handle: d.handle };
  if (d.subject && !c.subject) c.subject = d.subject;
  if (d.language && !c.language) c.language = d.language;
  // Providers stamp time at different precisions (WhatsApp whole seconds, Twilio our receipt in
  // ms), so log order and time order can disagree by a moment: "first" and "last" follow time.
  c.firstCustomerMessageAt = earliest(c.firstCustomerMessageAt, at);
  c.lastCustomerMessageAt = latest(c.lastCustomerMessageAt, at);
  c.lastActivityAt = Math.max(c.lastActivityAt, at);
  c.messageCount++;
  changed(fx, c);
  awaitMedia(fold, event, c.id);
  if (!fx.keep.transcript) return;
  const entry: TranscriptEntry = {
    eventId: event.id,
    at: iso(at),
    direction: 'in',
    channel: d.channel,
    provider: d.provider,
    author: { kind: 'customer', id: customer.id },
    text: d.text,
  };
  if (d.subject !== undefined) entry.subject = d.subject;
  const attachments = transcriptAttachments(d.attachments);
  if (attachments) entry.attachments = attachments;
  fx.transcript.push({ conversationId: c.id, entry });
}

/** An auto-reply, bounce, referral or opt-in: on the open conversation's transcript if there is one, nothing more. */
function automatedReply(fold: CustomerFold, customer: CustomerState, event: EventEnvelope<'message.received'>, at: number, fx: FoldEffects): void {
  const c = openConversationOf(fold, customer);
  if (!c) return;
  changed(fx, c);
  if (!fx.keep.transcript) return;
  const d = event.data;
  const entry: TranscriptEntry = { eventId: event.id, at: iso(at), direction: 'in', channel: d.channel, provider: d.provider, author: { kind: 'system', id: d.automated ?? d.kind ?? 'auto-reply' }, text: d.text };
  if (d.subject !== undefined) entry.subject = d.subject;
  fx.transcript.push({ conversationId: c.id, entry });
}

function weWrote(
  fold: CustomerFold,
  customer: CustomerState,
  event: EventEnvelope<'message.sent'>,
  at: number,
  policy: FoldPolicy,
  fx: FoldEffects,
): void {
  const d = event.data;
  const named = event.conversation ? fold.conversations[event.conversation] : undefined;
  let c = named ?? openConversationOf(fold, customer);
  if (!c) {
    // An internal note needs a conversation to sit in; with none, there is nothing to annotate.
    if (d.internal) return;
    c = open(fold, customer, event, at, 'agent', fx);
  }
  if (fx.keep.transcript) {
    const entry: TranscriptEntry = {
      eventId: event.id,
      at: iso(at),
      direction: 'out',
      channel: d.channel,
      provider: d.provider,
      author: { kind: d.author.kind, id: d.author.id },
      text: d.text,
    };
    if (d.subject !== undefined) entry.subject = d.subject;
    const attachments = transcriptAttachments(d.attachments);
    if (attachments) entry.attachments = attachments;
    if (d.internal) entry.internal = true;
    else entry.messageId = d.messageId ?? event.id;
    fx.transcript.push({ conversationId: c.id, entry });
  }
  changed(fx, c);
  if (d.internal) return;
  outboundMessageSent(fold, d.messageId ?? event.id, c.id, { provider: d.provider, at: iso(at) });

  c.channels = withChannel(c.channels, d.channel);
  c.lastActivityAt = Math.max(c.lastActivityAt, at);
  c.messageCount++;
  // The bot answered a conversation nobody holds: it keeps it out of the queues until it hands off.
  if (d.author.kind === 'bot' && c.bot === null && c.assignee === null && c.initiatedBy === 'customer') c.bot = 'answering';
  // The bot answered the conversation it holds: we wait on the customer (did it help?), so the SLA
  // clocks stand still until they write again, as after an agent's answer. Only a human's answer is
  // a response, so the first-response deadline stays where it was when the clock runs again.
  if (d.author.kind === 'bot' && c.bot === 'answering') stopWaiting(c, at);
  if (d.author.kind !== 'agent') return;
  c.lastAgentMessageAt = latest(c.lastAgentMessageAt, at);
  // Bots and system messages never count as a response; only a human agent's, after the customer wrote.
  if (c.initiatedBy === 'customer' && c.firstResponseAt === null && c.firstCustomerMessageAt !== null && at >= c.firstCustomerMessageAt) {
    c.firstResponseAt = at;
  }
  if (c.status === 'open') {
    c.status = 'pending';
    stopWaiting(c, at);
  }
}

/**
 * A digit reply ("5", "4/5", "★★★★") to a survey invitation still waiting for its answer, on a
 * channel where a reply is the answer (not e-mail: that has links), within the reply window, is the
 * answer: recorded on the surveyed conversation, never a new conversation.
 */
function answersSurvey(fold: CustomerFold, customer: CustomerState, event: EventEnvelope<'message.received'>, at: number, policy: FoldPolicy, fx: FoldEffects): boolean {
  if (event.data.channel === 'email') return false;
  const lastId = customer.conversationIds.at(-1);
  const last = lastId ? fold.conversations[lastId] : undefined;
  if (!last || last.status !== 'resolved') return false;
  const pending = last.surveys.filter((s) => s.answeredAt === null && s.channel === event.data.channel && at - s.sentAt <= policy.surveyReplyWindowMs).at(-1);
  if (!pending) return false;
  const reply = parseSurveyReply(event.data.text, pending);
  if (!reply) return false;
  pending.score = reply.score;
  pending.answeredAt = at;
  changed(fx, last);
  if (fx.keep.transcript) {
    fx.transcript.push({
      conversationId: last.id,
      entry: { eventId: event.id, at: iso(at), direction: 'in', channel: event.data.channel, provider: event.data.provider, author: { kind: 'customer', id: customer.id }, text: event.data.text },
    });
  }
  if (fx.keep.triggers) fx.triggers.push({ kind: 'survey-answered', jobId: jobIds.surveyAnswered(pending.id), conversationId: last.id, at: iso(at), surveyId: pending.id, score: reply.score, byReply: true });
  return true;
}

function latest(current: number | null, at: number): number {
  return current !== null && current > at ? current : at;
}

function earliest(current: number | null, at: number): number {
  return current !== null && current < at ? current : at;
}
