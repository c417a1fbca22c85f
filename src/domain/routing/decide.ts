/**
 * Routing, the way Twilio TaskRouter does it: the candidates for a conversation are the agents of
 * its team who are online, have the skills and the language it needs and a free seat on its
 * channel; sticky routing offers it to the customer's last agent first; otherwise the team's
 * strategy picks (least-busy, round-robin, longest-idle). With no candidate the conversation waits
 * in its team queue, and every time capacity frees the queue is drained, most urgent first.
 *
 * Pure and deterministic: the same task, board, settings and cursor give the same decision, with
 * every tie broken by agent id (code-unit order, not locale order), so a replay decides as live did.
 */
import { ms } from '../time.ts';
import type { Channel, Priority } from '../state.ts';
import { evolveBoard, freeSeats, isOnline, loadOf, totalLoadOf, type AgentBoard } from './agents.ts';
import { CHANNELS, skillsFor, type AgentConfig, type RoutingStrategy, type TeamConfig } from './config.ts';

/** A conversation waiting for an agent (or being routed for the first time). */
export interface Task {
  conversationId: string;
  /** The team whose agents may take it and in whose queue it waits. */
  team: string;
  /** The channel whose seat it takes. */
  channel: Channel;
  /** Contact reason from triage: the team's required skills for it apply. */
  category: string | null;
  priority: Priority;
  /** BCP 47 from triage; null when unknown (any agent will do). */
  language: string | null;
  /** Skills needed on top of those the team requires for the category. */
  requiredSkills: readonly string[];
  /** The agent who last handled the customer (sticky routing), if any. */
  lastAgent: string | null;
  /** The nearest SLA deadline, if any. */
  slaDueAt: string | null;
  /** When it started waiting for an agent. */
  waitingSince: string;
}

export type AssignReason = 'sticky' | RoutingStrategy;

/**
 * Why a conversation waits: unknown-team (its team is not configured), no-eligible-agent (nobody in
 * the team has the skills and language), nobody-online (eligible agents exist, none online),
 * no-capacity (eligible agents are online, every one full on this channel).
 */
export type QueueReason = 'unknown-team' | 'no-eligible-agent' | 'nobody-online' | 'no-capacity';

export type RoutingDecision = { kind: 'assign'; agent: string; reason: AssignReason } | { kind: 'queue'; reason: QueueReason };

/** Team -> the agent its last round-robin pick went to (`roundRobinCursor(board)` folds it from the log). */
export type RoundRobinCursor = Readonly<Record<string, string>>;

const byId = (a: AgentConfig, b: AgentConfig) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Language tags match when one is the other or a more specific form of it: de ~ de-AT, pt ~ pt-BR, never pt-BR ~ pt-PT. */
export function speaks(agentLanguages: readonly string[], language: string | null): boolean {
  if (language === null) return true;
  const wanted = language.toLowerCase();
  return agentLanguages.some((tag) => {
    const spoken = tag.toLowerCase();
    return spoken === wanted || wanted.startsWith(`${spoken}-`) || spoken.startsWith(`${wanted}-`);
  });
}

/** In the team, with every skill and the language: whether or not online or free right now. */
function eligible(agent: AgentConfig, task: Task, skills: readonly string[]): boolean {
  return agent.teams.includes(task.team) && skills.every((s) => agent.skills.includes(s)) && speaks(agent.languages, task.language);
}

/** When the agent last became idle: their latest assignment, or coming online if that is later. */
function idleSince(board: AgentBoard, agentId: string): number {
  const live = board.agents[agentId];
  const times = [live?.lastAssignedAt, live?.since].filter((t): t is string => typeof t === 'string').map(ms);
  return times.length > 0 ? Math.max(...times) : Number.NEGATIVE_INFINITY;
}

/** Picks among candidates already in agent id order. */
function pick(strategy: RoutingStrategy, candidates: readonly AgentConfig[], task: Task, board: AgentBoard, cursor: RoundRobinCursor): AgentConfig {
  const [first] = candidates;
  if (!first) throw new Error('pick needs at least one candidate');
  switch (strategy) {
    case 'least-busy': {
      // Busy on the task's channel first (that is where the seat is taken), then on all channels.
      const busy = (a: AgentConfig) => [loadOf(board, a.id, task.channel), totalLoadOf(board, a.id)] as const;
      return candidates.reduce((best, a) => {
        const [ca, ta] = busy(a);
        const [cb, tb] = busy(best);
        return ca < cb || (ca === cb && ta < tb) ? a : best;
      });
    }
    case 'round-robin': {
      const last = cursor[task.team];
      return (last === undefined ? undefined : candidates.find((a) => a.id > last)) ?? first;
    }
    case 'longest-idle':
      return candidates.reduce((best, a) => (idleSince(board, a.id) < idleSince(board, best.id) ? a : best));
    default: {
      const unknown: never = strategy;
      throw new Error(`unknown routing strategy ${String(unknown)}`);
    }
  }
}

/** Who takes `task` now, or why it waits. */
export function decideAssignment(
  task: Task,
  board: AgentBoard,
  teams: readonly TeamConfig[],
  agents: readonly AgentConfig[],
  roundRobinCursor: RoundRobinCursor,
): RoutingDecision {
  const team = teams.find((t) => t.name === task.team);
  if (!team) return { kind: 'queue', reason: 'unknown-team' };
  const skills = [...skillsFor(teams, task.team, task.category), ...task.requiredSkills];
  const fits = agents.filter((a) => eligible(a, task, skills));
  if (fits.length === 0) return { kind: 'queue', reason: 'no-eligible-agent' };
  const online = fits.filter((a) => isOnline(board, a.id));
  if (online.length === 0) return { kind: 'queue', reason: 'nobody-online' };
  const candidates = online.filter((a) => freeSeats(board, a, task.channel) > 0).sort(byId);
  if (candidates.length === 0) return { kind: 'queue', reason: 'no-capacity' };
  // Sticky only within the candidates: a last agent who is away, full, or not in the team the
  // conversation has moved to (say, escalated to tier 2) falls back to the strategy.
  const sticky = task.lastAgent === null ? undefined : candidates.find((a) => a.id === task.lastAgent);
  if (sticky) return { kind: 'assign', agent: sticky.id, reason: 'sticky' };
  return { kind: 'assign', agent: pick(team.strategy, candidates, task, board, roundRobinCursor).id, reason: team.strategy };
}

const PRIORITY_RANK: Record<Priority, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

/** Most urgent first: priority (urgent > high > normal > low), then the earliest SLA deadline (none last), then the longest waiting, then conversation id. */
export function byUrgency(a: Task, b: Task): number {
  const rank = PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority];
  if (rank !== 0) return rank;
  const due = (t: Task) => (t.slaDueAt === null ? Number.POSITIVE_INFINITY : ms(t.slaDueAt));
  if (due(a) !== due(b)) return due(a) < due(b) ? -1 : 1;
  const waiting = ms(a.waitingSince) - ms(b.waitingSince);
  if (waiting !== 0) return waiting;
  return a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0;
}

/** One placement of a drain: the data of the conversation.assigned event to publish (assignee = agent). */
export interface Placement {
  task: Task;
  agent: string;
  reason: AssignReason;
}

export interface DrainResult {
  /** In the order they were decided (most urgent first); publish them in this order. */
  assignments: Placement[];
  /** Tasks left in the queue, most urgent first, each with why. */
  waiting: Array<{ task: Task; reason: QueueReason }>;
  /** The board with the assignments' seats taken (what folding the published events gives). */
  board: AgentBoard;
  /** The cursor after the drain's round-robin picks. */
  roundRobinCursor: RoundRobinCursor;
}

/**
 * Drains a queue, most urgent first. Each assignment takes its seat (and moves the round-robin
 * cursor) before the next task is decided. A task nobody fits is skipped, not a stop: the next one
 * may need another channel, language or team. Stops once no online agent has a free seat on any
 * channel. `at` is the time the drain's assignments are made (from the event that triggered it).
 */
export function drainQueue(
  queue: readonly Task[],
  board: AgentBoard,
  teams: readonly TeamConfig[],
  agents: readonly AgentConfig[],
  roundRobinCursor: RoundRobinCursor,
  at: string,
): DrainResult {
  const ordered = [...queue].sort(byUrgency);
  const result: DrainResult = { assignments: [], waiting: [], board, roundRobinCursor };
  const anySeat = () => agents.some((a) => CHANNELS.some((channel) => freeSeats(result.board, a, channel) > 0));
  for (const task of ordered) {
    if (!anySeat()) {
      result.waiting.push({ task, reason: 'no-capacity' });
      continue;
    }
    const decision = decideAssignment(task, result.board, teams, agents, result.roundRobinCursor);
    if (decision.kind === 'queue') {
      result.waiting.push({ task, reason: decision.reason });
      continue;
    }
    result.assignments.push({ task, agent: decision.agent, reason: decision.reason });
    result.board = evolveBoard(result.board, {
      type: 'conversation.assigned',
      time: at,
      conversation: task.conversationId,
      data: { assignee: decision.agent, team: task.team, reason: decision.reason, channel: task.channel },
    });
    if (decision.reason === 'round-robin') result.roundRobinCursor = { ...result.roundRobinCursor, [task.team]: decision.agent };
  }
  return result;
}
