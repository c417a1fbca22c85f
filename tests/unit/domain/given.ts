/**
 * A thin given/when/then helper over the customer fold, so domain specs read as specifications:
 *
 *   given(customerWrote('hi', '2026-01-05T09:00:00.000Z'))
 *     .when(agentReplied('hello', '2026-01-05T09:05:00.000Z'))
 *     .then(({ open }) => expect(open().status).toBe('pending'));
 *
 * `given` events are folded first (their effects are discarded); `when` events are folded into that
 * state in one batch, and `then` sees the resulting state and the effects of the `when` batch only.
 * Times are explicit ISO strings: the fold has no clock, and neither do its specs.
 */
import { createEvent, type AnyEvent, type EventDataInput, type EventType } from '../../../events/index.ts';
import { conversationIdFor } from '../../../src/domain/fold/conversation.ts';
import { emptyFold, foldEvents, type CustomerFold, type FoldEffects } from '../../../src/domain/fold/customer-fold.ts';
import { defaultFoldPolicy, type FoldPolicy } from '../../../src/domain/fold/policy.ts';
import type { WorkflowTrigger } from '../../../src/domain/fold/triggers.ts';
import { timersOf, type Timer, type TimerKind } from '../../../src/domain/fold/timers.ts';
import { conversationView, customerView } from '../../../src/domain/fold/fold-state.ts';
import { ALWAYS_OPEN } from '../../../src/domain/sla/calendar.ts';
import { defaultSlaPolicy } from '../../../src/domain/sla/policy.ts';
import type { Channel, Conversation, Customer, Priority } from '../../../src/domain/state.ts';

export const TENANT = 'acme';
export const CUSTOMER = 'cus_1';

export interface Outcome {
  /** The state after `given`, before `when`. */
  before: CustomerFold;
  /** The state after `given` and `when`. */
  state: CustomerFold;
  /** Effects of the `when` batch alone. */
  effects: FoldEffects;
  customer: () => Customer;
  /** The conversation with this id; fails the spec if the state does not hold it. */
  conversation: (id: string) => Conversation;
  /** The customer's open conversation; fails the spec if there is none. */
  open: () => Conversation;
  triggers: (kind?: WorkflowTrigger['kind']) => WorkflowTrigger[];
  /** The timers a conversation waits on after `when` (projection state, see timers.ts). */
  timers: (conversationId: string, kind?: TimerKind) => Timer[];
}

export interface Scenario {
  /** Fold with this tenant policy instead of the default (24 h auto-resolve). */
  withPolicy(policy: FoldPolicy): Scenario;
  when(...events: AnyEvent[]): { then(expectation: (outcome: Outcome) => void): Outcome };
  /** No `when`: the expectation is about the state after `given` (effects are those of `given`). */
  then(expectation: (outcome: Outcome) => void): Outcome;
}

export function given(...history: AnyEvent[]): Scenario {
  return scenario(history, defaultFoldPolicy);
}

function scenario(history: AnyEvent[], policy: FoldPolicy): Scenario {
  const run = (events: AnyEvent[] | null, expectation: (o: Outcome) => void): Outcome => {
    const start = emptyFold(TENANT, CUSTOMER);
    const past = foldEvents(start, history, policy);
    let outcome = outcomeOf(start, past.state, past.effects, policy);
    if (events !== null) {
      const now = foldEvents(past.state, events, policy);
      outcome = outcomeOf(past.state, now.state, now.effects, policy);
    }
    expectation(outcome);
    return outcome;
  };
  return {
    withPolicy: (p) => scenario(history, p),
    when: (...events) => ({ then: (expectation) => run(events, expectation) }),
    then: (expectation) => run(null, expectation),
  };
}

/** The default policy with the default SLA targets, always open (24/7). */
export const slaFoldPolicy: FoldPolicy = { ...defaultFoldPolicy, sla: { policy: defaultSlaPolicy, calendar: ALWAYS_OPEN } };

function outcomeOf(before: CustomerFold, state: CustomerFold, effects: FoldEffects, policy: FoldPolicy): Outcome {
  const customer = () => {
    if (!state.customer) throw new Error('the fold has no customer yet');
    return customerView(state.customer);
  };
  // Specs read the state as the projection shows it (times as RFC 3339 text); the fold keeps numbers.
  const conversationState = (id: string) => {
    const c = state.conversations[id];
    if (!c) throw new Error(`the fold holds no conversation ${id} (it holds ${Object.keys(state.conversations).join(', ') || 'none'})`);
    return c;
  };
  const conversation = (id: string) => conversationView(conversationState(id));
  return {
    before,
    state,
    effects,
    customer,
    conversation,
    open: () => {
      const id = customer().openConversationId;
      if (!id) throw new Error('the customer has no open conversation');
      return conversation(id);
    },
    triggers: (kind) => effects.triggers.filter((t) => kind === undefined || t.kind === kind),
    timers: (id, kind) => timersOf(conversationState(id), policy).filter((t) => kind === undefined || t.kind === kind),
  };
}

/** Folds events from empty in one batch (for specs that compare whole states). */
export function fold(events: readonly AnyEvent[], policy: FoldPolicy = defaultFoldPolicy) {
  return foldEvents(emptyFold(TENANT, CUSTOMER), events, policy);
}

/** The id of the conversation an event opened. */
export const conversationOf = (opening: AnyEvent) => conversationIdFor(opening.id);

/** ISO time `ms` milliseconds after `at`. */
export const plus = (at: string, ms: number) => new Date(Date.parse(at) + ms).toISOString();
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// Event builders. Ids default to a per-file sequence (unique and stable within a run); pass `id`
// where a spec needs to name one.

let seq = 0;
const nextId = (prefix: string) => `${prefix}${++seq}`;

function event<T extends EventType>(type: T, at: string, data: EventDataInput<T>, opts: { id?: string | undefined; conversation?: string | undefined; customer?: string | undefined }) {
  return createEvent({
    type,
    source: '/tests/domain',
    tenant: TENANT,
    customer: opts.customer ?? CUSTOMER,
    time: at,
    id: opts.id ?? nextId(type.split('.')[0]!.slice(0, 3) + '_'),
    ...(opts.conversation !== undefined ? { conversation: opts.conversation } : {}),
    data,
  });
}

interface Via {
  channel?: Channel;
  provider?: string;
  handle?: string;
}

type Attachment = NonNullable<EventDataInput<'message.received'>['attachments']>[number];

export function customerWrote(text: string, at: string, opts: Via & { id?: string; subject?: string; language?: string; attachments?: Attachment[] } = {}) {
  return event(
    'message.received',
    at,
    {
      channel: opts.channel ?? 'chat',
      provider: opts.provider ?? 'webchat',
      handle: opts.handle ?? 'visitor-1',
      text,
      ...(opts.subject !== undefined ? { subject: opts.subject } : {}),
      ...(opts.language !== undefined ? { language: opts.language } : {}),
      ...(opts.attachments !== undefined ? { attachments: opts.attachments } : {}),
    },
    { id: opts.id },
  );
}

interface Outbound {
  id?: string;
  conversation?: string;
  channel?: Channel;
  provider?: string;
  /** Our id of the message (its delivery reports name it); none: the event id stands for it. */
  messageId?: string;
}

function weWrote(kind: 'agent' | 'bot' | 'system', author: string, text: string, at: string, opts: Outbound, internal = false) {
  return event(
    'message.sent',
    at,
    {
      channel: opts.channel ?? 'chat',
      provider: opts.provider ?? 'webchat',
      author: { kind, id: author },
      text,
      internal,
      ...(opts.messageId !== undefined ? { messageId: opts.messageId } : {}),
    },
    { id: opts.id, conversation: opts.conversation },
  );
}

export const agentReplied = (text: string, at: string, opts: Outbound & { agent?: string } = {}) => weWrote('agent', opts.agent ?? 'agent-1', text, at, opts);
export const botReplied = (text: string, at: string, opts: Outbound = {}) => weWrote('bot', 'faq-bot', text, at, opts);
export const systemWrote = (text: string, at: string, opts: Outbound = {}) => weWrote('system', 'auto-reply', text, at, opts);
export const internalNote = (text: string, at: string, opts: Outbound & { agent?: string } = {}) => weWrote('agent', opts.agent ?? 'agent-1', text, at, opts, true);

type Actor = { kind: 'agent' | 'bot' | 'system' | 'customer'; id: string };
const anAgent: Actor = { kind: 'agent', id: 'agent-1' };

export function resolved(
  conversation: string,
  at: string,
  opts: { id?: string; by?: Actor; reason?: 'agent' | 'customer' | 'inactivity' | 'bot' | 'merged'; resolvedAt?: string } = {},
) {
  const reason = opts.reason ?? 'agent';
  const by = opts.by ?? (reason === 'inactivity' ? { kind: 'system', id: 'auto-resolve' } : anAgent);
  return event('conversation.resolved', at, { by, at: opts.resolvedAt ?? at, reason }, { id: opts.id, conversation });
}

/** What the live inactivity timer publishes: resolved as of the end of the quiet window, whenever it fired. */
export const inactivityTimerFired = (conversation: string, firedAt: string, windowEndedAt: string, opts: { id?: string } = {}) =>
  resolved(conversation, firedAt, { ...opts, reason: 'inactivity', resolvedAt: windowEndedAt });

export const reopened = (conversation: string, at: string, opts: { id?: string; by?: Actor } = {}) =>
  event('conversation.reopened', at, { by: opts.by ?? anAgent }, { id: opts.id, conversation });

export const triaged = (
  conversation: string,
  at: string,
  data: { category?: string; priority?: Priority; language?: string | null; team?: string | null } = {},
) =>
  event(
    'conversation.triaged',
    at,
    { category: data.category ?? 'general', priority: data.priority ?? 'normal', language: data.language ?? null, team: data.team ?? null },
    { conversation },
  );

export const assigned = (conversation: string, at: string, assignee: string, opts: { team?: string | null } = {}) =>
  event('conversation.assigned', at, { assignee, team: opts.team ?? null, reason: 'least-busy' }, { conversation });

export const transferred = (conversation: string, at: string, to: { agent?: string | null; team?: string | null }) =>
  event('conversation.transferred', at, { toAgent: to.agent ?? null, toTeam: to.team ?? null, by: anAgent }, { conversation });

export const escalated = (conversation: string, at: string, priority: Priority, opts: { team?: string | null; tier?: string } = {}) =>
  event('conversation.escalated', at, { tier: opts.tier ?? 'tier2', priority, team: opts.team ?? null, reason: 'first response SLA breached' }, { conversation });

export const priorityChanged = (conversation: string, at: string, priority: Priority) =>
  event('conversation.priority_changed', at, { priority, by: anAgent }, { conversation });

export const slaBreached = (conversation: string, at: string, metric: 'firstResponse' | 'nextResponse' | 'resolution', dueAt = at) =>
  event('sla.breached', at, { metric, dueAt }, { conversation });

export const surveySent = (conversation: string, at: string, surveyId: string, opts: { kind?: 'csat' | 'nps'; channel?: Channel } = {}) =>
  event('survey.sent', at, { surveyId, kind: opts.kind ?? 'csat', channel: opts.channel ?? 'email' }, { conversation });

export const surveyAnswered = (conversation: string, at: string, surveyId: string, score: number, opts: { kind?: 'csat' | 'nps' } = {}) =>
  event('survey.answered', at, { surveyId, kind: opts.kind ?? 'csat', score }, { conversation });

type DeliveryStatus = EventDataInput<'message.status_updated'>['status'];

/** Our outbound connector's outcome: names our message id (and, on `sent`, the provider's id). */
export const connectorReported = (
  messageId: string,
  status: DeliveryStatus,
  at: string,
  opts: { id?: string; conversation?: string; providerMessageId?: string; error?: string } = {},
) =>
  event(
    'message.status_updated',
    at,
    {
      channel: 'sms',
      provider: 'twilio',
      messageId,
      status,
      ...(opts.providerMessageId !== undefined ? { providerMessageId: opts.providerMessageId } : {}),
      ...(opts.error !== undefined ? { error: opts.error } : {}),
    },
    { id: opts.id, conversation: opts.conversation },
  );

/** A provider's status callback: its own message id only, and no conversation. */
export const providerReported = (providerMessageId: string, status: DeliveryStatus, at: string, opts: { id?: string; error?: string } = {}) =>
  event('message.status_updated', at, { channel: 'sms', provider: 'twilio', providerMessageId, status, ...(opts.error !== undefined ? { error: opts.error } : {}) }, { id: opts.id });

/** The outbound role fetched a file a provider kept (`message` the `message.received` id). */
export const mediaStored = (message: string, index: number, at: string, file: { key: string; size: number; contentType: string }, opts: { id?: string } = {}) =>
  event('message.attachment_stored', at, { message, index, storageKey: file.key, size: file.size, contentType: file.contentType }, { id: opts.id });

/** The outbound role gave up on a file a provider kept. */
export const mediaFailed = (message: string, index: number, at: string, reason: string, opts: { id?: string } = {}) =>
  event('message.attachment_failed', at, { message, index, reason }, { id: opts.id });

export const merged = (at: string, data: { survivor: string; absorbed: string }) => event('customer.merged', at, { ...data, by: anAgent }, {});

export const identified = (at: string, via: { channel: Channel; provider: string; handle: string }) => event('customer.identified', at, via, {});

/** Everything but the dedupe bookkeeping, for specs that compare folds of different event lists. */
export function projection(state: CustomerFold): Omit<CustomerFold, 'recentEventIds'> {
  const { recentEventIds: _ids, ...rest } = state;
  return rest;
}
