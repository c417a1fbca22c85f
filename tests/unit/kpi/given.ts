/**
 * Given/when/then for KPI specs: events for named customers at explicit times, replayed through the
 * shared fold into the KPI report (the way `cs replay` does it).
 */
import { createEvent, type AnyEvent, type EventDataInput, type EventType } from '../../../events/index.ts';
import { defaultFoldPolicy, type FoldPolicy } from '../../../src/domain/fold/policy.ts';
import type { KpiOptions } from '../../../src/domain/kpi/report.ts';
import { ALWAYS_OPEN } from '../../../src/domain/sla/calendar.ts';
import { defaultSlaPolicy } from '../../../src/domain/sla/policy.ts';
import { replayEvents } from '../../../src/replay/run.ts';

export const T0 = '2026-03-02T09:00:00.000Z';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const at = (offsetMs: number) => new Date(Date.parse(T0) + offsetMs).toISOString();

export const slaPolicy: FoldPolicy = { ...defaultFoldPolicy, sla: { policy: defaultSlaPolicy, calendar: ALWAYS_OPEN } };

let seq = 0;
function event<T extends EventType>(type: T, customer: string, time: number, data: EventDataInput<T>, conversation?: string, id?: string): AnyEvent {
  return createEvent({ type, source: '/tests/kpi', tenant: 'acme', customer, time: at(time), id: id ?? `e${++seq}`, ...(conversation ? { conversation } : {}), data }) as AnyEvent;
}

/** A customer's session: every builder names the customer once. */
export function customer(id: string, channel: 'chat' | 'email' | 'sms' | 'social' = 'chat') {
  const provider = channel === 'email' ? 'smtp' : channel === 'chat' ? 'webchat' : channel === 'sms' ? 'twilio' : 'whatsapp';
  const sent = (kind: 'agent' | 'bot' | 'system', author: string, time: number, conversation?: string) =>
    event('message.sent', id, time, { channel, provider, author: { kind, id: author }, text: 'Reply' }, conversation);
  return {
    /** Returns the event; its conversation is `cv_<event id>` when it opens one. */
    writes: (time: number, eventId?: string, text = 'Help') => event('message.received', id, time, { channel, provider, handle: `${id}-handle`, text }, undefined, eventId),
    agentReplies: (time: number, agent = 'agent-1', conversation?: string) => sent('agent', agent, time, conversation),
    botReplies: (time: number, conversation?: string) => sent('bot', 'faq-bot', time, conversation),
    systemWrites: (time: number, conversation?: string) => sent('system', 'auto-reply', time, conversation),
    triaged: (conversation: string, time: number, category: string, priority: 'low' | 'normal' | 'high' | 'urgent' = 'normal') =>
      event('conversation.triaged', id, time, { category, priority, language: null, team: 'support' }, conversation),
    assigned: (conversation: string, time: number, agent = 'agent-1') => event('conversation.assigned', id, time, { assignee: agent, team: 'support', reason: 'least-busy' }, conversation),
    resolved: (conversation: string, time: number) => event('conversation.resolved', id, time, { by: { kind: 'agent', id: 'agent-1' }, at: at(time), reason: 'agent' }, conversation),
    reopened: (conversation: string, time: number) => event('conversation.reopened', id, time, { by: { kind: 'agent', id: 'agent-1' } }, conversation),
    surveySent: (conversation: string, time: number, surveyId: string, kind: 'csat' | 'nps' = 'csat') => event('survey.sent', id, time, { surveyId, kind, channel }, conversation),
    surveyAnswered: (conversation: string, time: number, surveyId: string, score: number, kind: 'csat' | 'nps' = 'csat') => event('survey.answered', id, time, { surveyId, kind, score }, conversation),
    mergedInto: (survivor: string, time: number) => event('customer.merged', id, time, { survivor, absorbed: id, by: { kind: 'agent', id: 'agent-1' } }),
    absorbs: (absorbed: string, time: number) => event('customer.merged', id, time, { survivor: id, absorbed, by: { kind: 'agent', id: 'agent-1' } }),
  };
}

/** When these events are replayed (in this order), then this is the report. */
export function replayed(events: AnyEvent[], options: { policy?: FoldPolicy; kpi?: Partial<KpiOptions> } = {}) {
  const policy = options.policy ?? defaultFoldPolicy;
  return replayEvents(events, { policies: () => policy, kpi: options.kpi ?? {} }).report;
}
