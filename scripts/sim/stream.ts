import { createEvent, type AnyEvent } from '../../events/index.ts';
import { applyEvent, emptyFold, noEffects, type CustomerFold } from '../../src/domain/fold/customer-fold.ts';
import type { FoldPolicy } from '../../src/domain/fold/policy.ts';
import type { Channel } from '../../src/domain/state.ts';
import { seededRandom } from './random.ts';

export interface StreamOptions {
  events: number;
  customers: number;
  tenants?: string[];
  seed?: number;
  start?: string;
  /**
   * Mean gap between two events of one session (a conversation's messages are minutes apart).
   */
  meanGapMs?: number;
  policy: FoldPolicy;
  /** Conversations in progress at once, interleaved on the log. */
  concurrentSessions?: number;
  /** Share of events that are re-sent copies of an earlier event (provider retries). */
  duplicateShare?: number;
  /**
   * Share of outbound messages followed by their delivery reports (our connector's queued and sent,
   * the provider's delivered, read or failed, at times that let the provider's report overtake our
   * sent now and then). Default 0: none, and the stream is what it was before reports existed.
   */
  deliveryShare?: number;
}

const channels: Array<{ channel: Channel; provider: string; handle: (c: string) => string }> = [
  { channel: 'email', provider: 'smtp', handle: (c) => `${c}@example.com` },
  { channel: 'chat', provider: 'webchat', handle: (c) => `visitor-${c}` },
  { channel: 'sms', provider: 'twilio', handle: (c) => `+1415${String(hash(c) % 10_000_000).padStart(7, '0')}` },
  { channel: 'social', provider: 'whatsapp', handle: (c) => `wa-${c}` },
];
const texts = ['Where is my order?', 'I want a refund', 'The app crashes on login', 'Billing question about my invoice', 'Thanks!', 'Any update?', 'Это не работает', '我需要帮助'];
const categories = ['refund', 'technical', 'billing', 'complaint', 'general'];
const agents = ['agent-1', 'agent-2', 'agent-3', 'agent-4', 'agent-5'];

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
}

interface Session {
  tenant: string;
  customer: string;
  at: number;
  left: number;
}

/**
 * Realistic, seeded traffic in log order. Customers come in sessions (a conversation's worth of
 * messages, minutes apart), many sessions interleaved; customers come back for later sessions on
 * the same or another channel. A session brings triage, assignment, agent, bot and system messages,
 * notes, transfers, SLA breaches, and mostly ends in a resolution and a survey; some just go quiet
 * (the auto-resolve window closes them). Provider retries put the same event on the log again.
 * It folds what it emits with the domain's own evolve to know each customer's open conversation,
 * so lifecycle events name real conversations.
 */
export function* generateStream(o: StreamOptions): Generator<AnyEvent> {
  const rnd = seededRandom(o.seed ?? 42);
  const tenants = o.tenants ?? ['acme', 'globex'];
  const start = Date.parse(o.start ?? '2026-01-05T08:00:00.000Z');
  const meanGap = o.meanGapMs ?? 180_000;
  const concurrent = o.concurrentSessions ?? 400;
  const folds = new Map<string, CustomerFold>();
  const recent: AnyEvent[] = [];
  const sessions: Session[] = [];
  /** Delivery reports due later, earliest first: each goes on the log when its time comes. */
  const scheduled: Array<{ at: number; event: AnyEvent }> = [];
  const schedule = (at: number, event: AnyEvent) => {
    let i = scheduled.length;
    while (i > 0 && scheduled[i - 1]!.at > at) i--;
    scheduled.splice(i, 0, { at, event });
  };
  let emitted = 0;
  let seq = 0;
  let now = start;
  const gap = (mean: number) => Math.max(1, Math.round(-Math.log(1 - rnd.next()) * mean));
  const newSession = (at: number): Session => ({
    tenant: rnd.pick(tenants),
    customer: `cust-${rnd.int(o.customers)}`,
    at: at + gap(meanGap / 4),
    left: 2 + rnd.int(12),
  });
  for (let i = 0; i < concurrent; i++) sessions.push(newSession(start + rnd.int(meanGap)));

  const emit = (event: AnyEvent): AnyEvent => {
    const key = `${event.tenant}/${event.customer}`;
    let fold = folds.get(key);
    if (!fold) folds.set(key, (fold = emptyFold(event.tenant, event.customer)));
    applyEvent(fold, event, o.policy, noEffects());
    recent.push(event);
    if (recent.length > 500) recent.shift();
    emitted++;
    return event;
  };

  while (emitted < o.events) {
    // The session due first speaks next, so event times never go backwards.
    let index = 0;
    for (let i = 1; i < sessions.length; i++) if (sessions[i]!.at < sessions[index]!.at) index = i;
    const session = sessions[index]!;
    if (scheduled.length > 0 && scheduled[0]!.at <= session.at) {
      const due = scheduled.shift()!;
      now = Math.max(now, due.at);
      yield emit(due.event);
      continue;
    }
    now = Math.max(now, session.at);
    if (rnd.chance(o.duplicateShare ?? 0.01) && recent.length > 0) {
      // A provider retry: the very same event (same id) on the log again.
      const copy = rnd.pick(recent);
      recent.push(copy);
      emitted++;
      yield copy;
      continue;
    }
    const { tenant, customer } = session;
    const fold = folds.get(`${tenant}/${customer}`);
    const openId = fold?.customer?.openConversationId ?? null;
    const open = openId ? fold!.conversations[openId] : undefined;
    const time = new Date(now).toISOString();
    const nextId = () => `ev-${o.seed ?? 42}-${seq++}`;
    const base = { source: '/sim', tenant, customer, time, id: nextId() };
    const via = channels[hash(customer) % channels.length]!;
    const roll = rnd.next();
    session.left--;
    session.at = now + gap(meanGap);
    if (session.left <= 0) sessions[index] = newSession(now);

    if (!open || roll < 0.3) {
      const channel = rnd.chance(0.8) ? via : rnd.pick(channels);
      yield emit(
        createEvent({
          ...base,
          type: 'message.received',
          data: { channel: channel.channel, provider: channel.provider, handle: channel.handle(customer), text: rnd.pick(texts) },
        }),
      );
      continue;
    }
    const conversation = open.id;
    const agent = open.assignee ?? rnd.pick(agents);
    if (session.left <= 0 && rnd.chance(0.75)) {
      // The session ends in a resolution and, often, a survey.
      yield emit(createEvent({ ...base, conversation, type: 'conversation.resolved', data: { by: { kind: 'agent', id: agent }, at: time, reason: 'agent' } }));
      if (rnd.chance(0.5)) {
        const surveyId = `sv-${conversation}-${open.reopenCount}`;
        yield emit(createEvent({ ...base, id: nextId(), time: new Date(now + 1000).toISOString(), conversation, type: 'survey.sent', data: { surveyId, kind: 'csat', channel: open.replyTo?.channel ?? via.channel } }));
        if (rnd.chance(0.6)) {
          yield emit(createEvent({ ...base, id: nextId(), time: new Date(now + 60_000).toISOString(), conversation, type: 'survey.answered', data: { surveyId, kind: 'csat', score: 1 + rnd.int(5) } }));
        }
      }
    } else if (!open.category) {
      yield emit(
        createEvent({
          ...base,
          conversation,
          type: 'conversation.triaged',
          data: { category: rnd.pick(categories), priority: rnd.pick(['low', 'normal', 'normal', 'high', 'urgent'] as const), language: 'en', team: rnd.pick(['tier1', 'billing']), reasons: ['keywords'] },
        }),
      );
    } else if (!open.assignee && roll < 0.6) {
      yield emit(createEvent({ ...base, conversation, type: 'conversation.assigned', data: { assignee: agent, team: open.team, reason: 'least-busy' } }));
    } else if (roll < 0.93) {
      const kind = rnd.chance(0.85) ? 'agent' : rnd.chance(0.5) ? 'bot' : 'system';
      const internal = kind === 'agent' && rnd.chance(0.1);
      const sent = createEvent({
        ...base,
        conversation,
        type: 'message.sent',
        data: { channel: open.replyTo?.channel ?? via.channel, provider: open.replyTo?.provider ?? via.provider, author: { kind, id: kind === 'agent' ? agent : `${kind}-1` }, text: 'Thanks for reaching out, we are on it.', internal },
      });
      yield emit(sent);
      if (!internal && o.deliveryShare && rnd.chance(o.deliveryShare)) {
        // As the outbound role and a provider would report it: ours name the message (and its
        // conversation), the provider's only its own id.
        const { channel, provider } = sent.data;
        const providerMessageId = `pm-${sent.id}`;
        const report = (at: number, data: { status: 'queued' | 'sent' | 'delivered' | 'read' | 'failed'; messageId?: string; providerMessageId?: string; error?: string }, named: boolean) =>
          schedule(at, createEvent({ ...base, ...(named ? { conversation } : {}), id: nextId(), time: new Date(at).toISOString(), type: 'message.status_updated', data: { channel, provider, ...data } }));
        report(now + 50 + rnd.int(250), { status: 'queued', messageId: sent.id }, true);
        report(now + 300 + rnd.int(2700), { status: 'sent', messageId: sent.id, providerMessageId }, true);
        if (channel !== 'email' && channel !== 'chat') {
          const roll = rnd.next();
          const reported = now + 200 + rnd.int(6000);
          if (roll < 0.1) report(reported, { status: 'failed', providerMessageId, error: 'Twilio error 30003: Unreachable destination handset' }, false);
          else report(reported, { status: 'delivered', providerMessageId }, false);
          if (roll > 0.8) report(reported + 60_000 + rnd.int(600_000), { status: 'read', providerMessageId }, false);
        }
      }
    } else if (roll < 0.96) {
      yield emit(createEvent({ ...base, conversation, type: 'sla.breached', data: { metric: 'firstResponse', dueAt: time } }));
    } else {
      yield emit(createEvent({ ...base, conversation, type: 'conversation.transferred', data: { toAgent: null, toTeam: 'tier2', by: { kind: 'agent', id: agent } } }));
    }
  }
}
