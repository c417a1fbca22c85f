/**
 * The agents' board: who is online and what each agent holds on each channel, folded from the log
 * (agent.status_changed, conversation.assigned / transferred / resolved), never kept by hand, so a
 * rebuilt board equals the live one.
 *
 * The board spans a tenant's customers, whose events come from different partitions in no fixed
 * order relative to each other. What it keeps is built so that interleaving does not matter: a
 * conversation's load only moves with that conversation's own events (one customer, one
 * partition), an agent's status with that agent's own events, and the two times that compare
 * across conversations (an agent's last assignment, a team's last round-robin pick) keep the
 * latest, whatever order they arrive in.
 */
import { iso, ms } from '../time.ts';
import type { Channel } from '../state.ts';
import { CHANNELS, type AgentConfig } from './config.ts';
import type { AgentStatus, AgentStatusChangedData, CapacityOverride } from './events.ts';

export interface AgentLive {
  status: AgentStatus;
  /** When the current status began; a capacity-only change does not restart it. Null before any status event. */
  since: string | null;
  /** Conversation ids the agent holds, per channel, in id order. */
  load: Record<Channel, string[]>;
  /** The latest time a conversation was assigned (or transferred) to the agent. */
  lastAssignedAt: string | null;
  /** Session capacity per channel over the configured one (see agent.status_changed). */
  capacity: Partial<Record<Channel, number>>;
}

/** A team's latest round-robin pick: the next pick starts after `agent`. */
export interface RoundRobinMark {
  agent: string;
  at: string;
  conversation: string;
}

export interface AgentBoard {
  agents: Record<string, AgentLive>;
  /** Conversation id -> who holds it on which channel, so a transfer or resolution knows what to release. */
  holders: Record<string, { agent: string; channel: Channel }>;
  /** Team -> its latest round-robin pick. */
  roundRobin: Record<string, RoundRobinMark>;
}

/**
 * The fields of the events the board reads, not the envelope: an envelope of these types fits as
 * it is, except that conversation.assigned must say which channel's capacity it takes (see
 * `assignmentChannelData` in events.ts; an adapter fills it from the conversation for older events).
 */
export type BoardEvent =
  | { type: 'agent.status_changed'; time: string; data: AgentStatusChangedData }
  | {
      type: 'conversation.assigned';
      time: string;
      conversation?: string | undefined;
      data: { assignee: string; team: string | null; reason: string; channel: Channel };
    }
  | {
      type: 'conversation.transferred';
      time: string;
      conversation?: string | undefined;
      /** `channel` is only read when the board does not know the conversation (it keeps the one it was charged on). */
      data: { toAgent: string | null; channel?: Channel | undefined };
    }
  | { type: 'conversation.resolved'; time: string; conversation?: string | undefined };

export const emptyBoard = (): AgentBoard => ({ agents: {}, holders: {}, roundRobin: {} });

const noLoad = (): Record<Channel, string[]> => ({ email: [], chat: [], sms: [], social: [] });

const unseenAgent = (): AgentLive => ({ status: 'offline', since: null, load: noLoad(), lastAssignedAt: null, capacity: {} });

/** Pure: the board after `event`; the input is never changed. */
export function evolveBoard(board: AgentBoard, event: BoardEvent): AgentBoard {
  const at = iso(ms(event.time));
  switch (event.type) {
    case 'agent.status_changed': {
      const { agent, status, capacity } = event.data;
      const before = board.agents[agent] ?? unseenAgent();
      return withAgent(board, agent, {
        ...before,
        status,
        since: status === before.status && before.since !== null ? before.since : at,
        capacity: capacity ? withOverrides(before.capacity, capacity) : before.capacity,
      });
    }
    case 'conversation.assigned': {
      const conversation = event.conversation;
      if (!conversation) return board;
      const { assignee, team, reason, channel } = event.data;
      // Re-assigning moves the conversation: it is never charged to two agents, nor twice to one.
      const next = hold(release(board, conversation), conversation, assignee, channel, at);
      if (reason !== 'round-robin' || team === null) return next;
      const mark = next.roundRobin[team];
      const later = !mark || ms(at) > ms(mark.at) || (ms(at) === ms(mark.at) && conversation > mark.conversation);
      return later ? { ...next, roundRobin: { ...next.roundRobin, [team]: { agent: assignee, at, conversation } } } : next;
    }
    case 'conversation.transferred': {
      const conversation = event.conversation;
      if (!conversation) return board;
      const channel = board.holders[conversation]?.channel ?? event.data.channel;
      const released = release(board, conversation);
      // Back to a team queue (toAgent null) frees the seat; the queue drain places it again.
      if (event.data.toAgent === null || channel === undefined) return released;
      return hold(released, conversation, event.data.toAgent, channel, at);
    }
    case 'conversation.resolved':
      return event.conversation ? release(board, event.conversation) : board;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** The board folded from `events`, starting at `board` (empty by default). */
export function foldBoard(events: readonly BoardEvent[], board: AgentBoard = emptyBoard()): AgentBoard {
  return events.reduce(evolveBoard, board);
}

function withAgent(board: AgentBoard, id: string, agent: AgentLive): AgentBoard {
  return { ...board, agents: { ...board.agents, [id]: agent } };
}

function withOverrides(current: Partial<Record<Channel, number>>, change: CapacityOverride): Partial<Record<Channel, number>> {
  const next = { ...current };
  for (const channel of CHANNELS) {
    const value = change[channel];
    if (value === null) delete next[channel];
    else if (value !== undefined) next[channel] = value;
  }
  return next;
}

function hold(board: AgentBoard, conversation: string, agentId: string, channel: Channel, at: string): AgentBoard {
  const before = board.agents[agentId] ?? unseenAgent();
  const agent: AgentLive = {
    ...before,
    load: { ...before.load, [channel]: [...before.load[channel], conversation].sort() },
    lastAssignedAt: before.lastAssignedAt !== null && ms(before.lastAssignedAt) >= ms(at) ? before.lastAssignedAt : at,
  };
  return { ...withAgent(board, agentId, agent), holders: { ...board.holders, [conversation]: { agent: agentId, channel } } };
}

function release(board: AgentBoard, conversation: string): AgentBoard {
  const held = board.holders[conversation];
  if (!held) return board;
  const { [conversation]: _released, ...holders } = board.holders;
  const before = board.agents[held.agent];
  if (!before) return { ...board, holders };
  const agent: AgentLive = { ...before, load: { ...before.load, [held.channel]: before.load[held.channel].filter((id) => id !== conversation) } };
  return { ...withAgent(board, held.agent, agent), holders };
}

/** Seats of `channel` the agent has now: the session override, else the configured capacity. */
export function capacityOf(board: AgentBoard, agent: AgentConfig, channel: Channel): number {
  return board.agents[agent.id]?.capacity[channel] ?? agent.capacity[channel];
}

/** Conversations of `channel` the agent holds. */
export function loadOf(board: AgentBoard, agentId: string, channel: Channel): number {
  return board.agents[agentId]?.load[channel].length ?? 0;
}

/** Conversations the agent holds on all channels. */
export function totalLoadOf(board: AgentBoard, agentId: string): number {
  return CHANNELS.reduce((sum, channel) => sum + loadOf(board, agentId, channel), 0);
}

export const isOnline = (board: AgentBoard, agentId: string): boolean => board.agents[agentId]?.status === 'online';

/** Seats of `channel` free for new conversations: none unless online (lowered capacity may leave it over-full: 0). */
export function freeSeats(board: AgentBoard, agent: AgentConfig, channel: Channel): number {
  if (!isOnline(board, agent.id)) return 0;
  return Math.max(0, capacityOf(board, agent, channel) - loadOf(board, agent.id, channel));
}

/** The round-robin cursor the decision reads: team -> the agent it picked last. */
export function roundRobinCursor(board: AgentBoard): Record<string, string> {
  return Object.fromEntries(Object.entries(board.roundRobin).map(([team, mark]) => [team, mark.agent]));
}

/**
 * Teams whose queues should be drained after a board change: those of every agent who gained a free
 * seat on some channel (a resolution or transfer away, coming online, capacity raised). In name order.
 */
export function teamsWithFreedCapacity(before: AgentBoard, after: AgentBoard, agents: readonly AgentConfig[]): string[] {
  const teams = new Set<string>();
  for (const agent of agents) {
    if (CHANNELS.some((channel) => freeSeats(after, agent, channel) > freeSeats(before, agent, channel))) {
      for (const team of agent.teams) teams.add(team);
    }
  }
  return [...teams].sort();
}
