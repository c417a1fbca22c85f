import { conversationChannel } from '../domain/conversation-channel.ts';
import type { Priority } from '../domain/state.ts';
import type { ConversationState as Conversation } from '../domain/fold/fold-state.ts';
import { UNTRIAGED_TEAM } from './keys.ts';

/** Where a conversation appears in the shared indexes (team queues, agents' lists). */
export interface IndexEntry {
  queue: string | null;
  agent: string | null;
  /** The channel whose seat the agent gives it. */
  seat: string | null;
  score: number;
}

const priorityRank: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

/**
 * Queue order: priority first, then the earliest SLA deadline (or the opening time when there is
 * none yet). One number: rank * 1e13 + epoch ms, so ZRANGE gives the most urgent first.
 */
export function queueScore(c: Conversation): number {
  const due = c.sla.firstResponseDueAt ?? c.sla.nextResponseDueAt ?? c.sla.resolutionDueAt ?? c.openedAt;
  return priorityRank[c.priority] * 1e13 + due;
}

export function indexEntry(c: Conversation | undefined): IndexEntry {
  if (!c || c.status === 'resolved') return { queue: null, agent: null, seat: null, score: 0 };
  if (c.assignee) return { queue: null, agent: c.assignee, seat: c.assignment?.channel ?? conversationChannel(c), score: 0 };
  // The bot holds it: no agent should pick it from a queue until the bot hands off.
  if (c.bot === 'answering') return { queue: null, agent: null, seat: null, score: 0 };
  return { queue: c.team ?? UNTRIAGED_TEAM, agent: null, seat: null, score: queueScore(c) };
}
