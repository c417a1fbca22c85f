/**
 * Builders for routing specs: board events, agents, teams and tasks with defaults, so a spec names
 * only what it is about. Times are explicit: routing has no clock, and neither do its specs.
 */
import { foldBoard, type AgentBoard, type BoardEvent } from '../../../../src/domain/routing/agents.ts';
import { agentSchema, teamSchema, type AgentConfig, type AgentConfigInput, type TeamConfig, type TeamConfigInput } from '../../../../src/domain/routing/config.ts';
import type { Task } from '../../../../src/domain/routing/decide.ts';
import type { CapacityOverride } from '../../../../src/domain/routing/events.ts';
import type { Channel } from '../../../../src/domain/state.ts';

export const T0 = '2026-01-05T09:00:00.000Z';
export const MINUTE = 60_000;
/** ISO time `minutes` after T0. */
export const at = (minutes: number) => new Date(Date.parse(T0) + minutes * MINUTE).toISOString();

export const team = (name: string, rest: Omit<TeamConfigInput, 'name'> = {}): TeamConfig => teamSchema.parse({ name, ...rest });

/** An English-speaking member of `support` with 2 chat and 5 email seats unless told otherwise. */
export const agent = (id: string, rest: Partial<AgentConfigInput> = {}): AgentConfig =>
  agentSchema.parse({ id, name: id, teams: ['support'], languages: ['en'], capacity: { chat: 2, email: 5 }, ...rest });

/** A normal-priority English chat for `support`, waiting since T0. */
export const task = (conversationId: string, rest: Partial<Task> = {}): Task => ({
  conversationId,
  team: 'support',
  channel: 'chat',
  category: null,
  priority: 'normal',
  language: 'en',
  requiredSkills: [],
  lastAgent: null,
  slaDueAt: null,
  waitingSince: T0,
  ...rest,
});

export const online = (agentId: string, time: string, capacity?: CapacityOverride): BoardEvent => ({
  type: 'agent.status_changed',
  time,
  data: { agent: agentId, status: 'online', ...(capacity ? { capacity } : {}) },
});
export const away = (agentId: string, time: string): BoardEvent => ({ type: 'agent.status_changed', time, data: { agent: agentId, status: 'away' } });
export const offline = (agentId: string, time: string): BoardEvent => ({ type: 'agent.status_changed', time, data: { agent: agentId, status: 'offline' } });

export const assigned = (
  conversation: string,
  agentId: string,
  time: string,
  opts: { channel?: Channel; team?: string | null; reason?: string } = {},
): BoardEvent => ({
  type: 'conversation.assigned',
  time,
  conversation,
  data: { assignee: agentId, team: opts.team === undefined ? 'support' : opts.team, reason: opts.reason ?? 'least-busy', channel: opts.channel ?? 'chat' },
});
export const transferred = (conversation: string, toAgent: string | null, time: string): BoardEvent => ({ type: 'conversation.transferred', time, conversation, data: { toAgent } });
export const resolved = (conversation: string, time: string): BoardEvent => ({ type: 'conversation.resolved', time, conversation });

/** The board folded from these events. */
export const boardOf = (...events: BoardEvent[]): AgentBoard => foldBoard(events);

/** `given(events).when(events)`: the board before and after the `when` events. */
export function given(...events: BoardEvent[]) {
  const before = foldBoard(events);
  return { board: before, when: (...more: BoardEvent[]) => ({ before, after: foldBoard(more, before) }) };
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
