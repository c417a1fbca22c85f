import type { Conversation, Priority } from '../domain/state.ts';
import { UNTRIAGED_TEAM } from './keys.ts';

/** Where a conversation appears in the shared indexes (team queues, agents' lists). */
export interface IndexEntry {
  queue: string | null;
  agent: string | null;
  score: number;
}

const priorityRank: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

/**
 * Queue order: priority first, then the earliest SLA deadline (or the opening time when there is
 * none yet). One number: rank * 1e13 + epoch ms, so ZRANGE gives the most urgent first.
 */
export function queueScore(c: Conversation): number {
  const due = c.sla.firstResponseDueAt ?? c.sla.nextResponseDueAt ?? c.sla.resolutionDueAt ?? c.openedAt;
  return priorityRank[c.priority] * 1e13 + Date.parse(due);
}

export function indexEntry(c: Conversation | undefined): IndexEntry {
  if (!c || c.status === 'resolved') return { queue: null, agent: null, score: 0 };
  return c.assignee
    ? { queue: null, agent: c.assignee, score: 0 }
    : { queue: c.team ?? UNTRIAGED_TEAM, agent: null, score: queueScore(c) };
}
