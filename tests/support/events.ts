import { createEvent } from '../../events/index.ts';

let clock = Date.parse('2026-03-02T09:00:00.000Z');
/** Strictly increasing event times, one second apart, so scenarios read in order. */
export const nextTime = (stepMs = 1000) => new Date((clock += stepMs)).toISOString();

export function customerWrote(tenant: string, customer: string, text: string, opts: { channel?: 'email' | 'chat' | 'sms' | 'social'; provider?: string; handle?: string; time?: string } = {}) {
  const channel = opts.channel ?? 'chat';
  return createEvent({
    type: 'message.received',
    source: '/tests',
    tenant,
    customer,
    time: opts.time ?? nextTime(),
    data: { channel, provider: opts.provider ?? 'webchat', handle: opts.handle ?? `${customer}-visitor`, text },
  });
}

export function agentReplied(tenant: string, customer: string, text: string, opts: { conversation?: string; agent?: string; channel?: 'email' | 'chat' | 'sms' | 'social'; time?: string } = {}) {
  return createEvent({
    type: 'message.sent',
    source: '/tests',
    tenant,
    customer,
    time: opts.time ?? nextTime(),
    ...(opts.conversation ? { conversation: opts.conversation } : {}),
    data: { channel: opts.channel ?? 'chat', provider: 'webchat', author: { kind: 'agent', id: opts.agent ?? 'agent-1' }, text },
  });
}
