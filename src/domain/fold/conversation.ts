import type { Channel } from '../state.ts';
import type { ConversationState } from './fold-state.ts';

/** A new conversation's id: derived from the event that opened it, so a rebuild gives the same id. */
export const conversationIdFor = (openingEventId: string) => `cv_${openingEventId}`;

export function newConversation(input: {
  id: string;
  tenant: string;
  customer: string;
  at: number;
  initiatedBy: ConversationState['initiatedBy'];
  channel: Channel;
}): ConversationState {
  return {
    id: input.id,
    tenant: input.tenant,
    customer: input.customer,
    status: input.initiatedBy === 'customer' ? 'open' : 'pending',
    initiatedBy: input.initiatedBy,
    openedAt: input.at,
    channels: [input.channel],
    replyTo: null,
    subject: null,
    category: null,
    priority: 'normal',
    language: null,
    team: null,
    assignee: null,
    assignment: null,
    bot: null,
    handoff: null,
    firstCustomerMessageAt: null,
    firstResponseAt: null,
    lastCustomerMessageAt: null,
    lastAgentMessageAt: null,
    lastActivityAt: input.at,
    resolvedAt: null,
    resolution: null,
    reopenCount: 0,
    messageCount: 0,
    sla: {
      firstResponseDueAt: null,
      nextResponseDueAt: null,
      resolutionDueAt: null,
      breached: [],
      waitingSince: null,
      pausedSince: input.initiatedBy === 'customer' ? null : input.at,
      pausedMs: 0,
      fired: [],
    },
    surveys: [],
    metrics: {
      spells: [input.at],
      firstResolvedAt: null,
      nextResponseMs: [],
      handlingMs: 0,
      handlingSince: null,
      lastAgent: null,
      sla: { firstResponse: null, resolution: null, nextResponseMet: 0, nextResponseBreached: 0 },
      repeatOf: null,
    },
    clock: null,
  };
}

export function withChannel(channels: Channel[], channel: Channel): Channel[] {
  return channels.includes(channel) ? channels : [...channels, channel];
}
