import type { AgentBoard, AgentLive } from '../domain/routing/agents.ts';
import type { AgentConfig } from '../domain/routing/config.ts';
import type { Channel } from '../domain/state.ts';
import type { StoredPresence } from '../projections/presence.ts';
import { routingKeys, type ProjectionKeys } from '../projections/keys.ts';
import type { WorkflowContext } from './context.ts';

const CHANNELS: Channel[] = ['email', 'chat', 'sms', 'social'];

/** An assignment published but maybe not folded yet: it holds its seat until the projection shows it. */
export interface InFlight {
  agent: string;
  team: string;
  channel: Channel;
  at: number;
}

/** How long an assignment in flight holds its seat without the fold confirming it (a lost event would free it). */
const IN_FLIGHT_MS = 60_000;

/**
 * The agents' board as routing needs it, from the projections: presence (folded from
 * agent.status_changed), the conversations each agent holds and on which channel's seat, when each
 * was last given one, each team's last round-robin pick; plus assignments in flight, so a drain
 * right after another does not hand out a seat that is already promised.
 */
export async function readBoard(ctx: WorkflowContext, keys: ProjectionKeys, tenant: string, agents: readonly AgentConfig[], nowMs: number): Promise<{ board: AgentBoard; inFlight: Map<string, InFlight> }> {
  const redis = ctx.redis;
  const rk = routingKeys(ctx.instance, tenant);
  const pending = Object.entries(await redis.hgetall(rk.inFlight)).map(([conversation, raw]) => ({ conversation, entry: JSON.parse(raw) as InFlight }));
  // One snapshot (MULTI: the fold's commit script runs wholly before or after it) of the board and
  // of whether each assignment in flight is folded yet. Read apart, a commit landing between the
  // agents' hashes and the queue check would count the seat in neither: a seat given twice.
  const snapshot = redis.multi();
  snapshot.hgetall(keys.agentPresence(tenant));
  snapshot.hgetall(keys.agentLastAssigned(tenant));
  snapshot.hgetall(keys.roundRobin(tenant));
  for (const a of agents) snapshot.hgetall(keys.agentConversations(tenant, a.id));
  for (const p of pending) snapshot.zscore(keys.teamQueue(tenant, p.entry.team), p.conversation);
  const replies = ((await snapshot.exec()) ?? []).map(([err, v]) => {
    if (err) throw err;
    return v;
  });
  const [presence, lastAssigned, roundRobin] = replies as [Record<string, string>, Record<string, string>, Record<string, string>];
  const held = new Map<string, Record<string, string>>();
  agents.forEach((a, i) => held.set(a.id, (replies[3 + i] as Record<string, string> | undefined) ?? {}));
  const stillQueued = replies.slice(3 + agents.length).map((score) => score !== null);

  // An assignment is folded once its conversation left the team queue (the same commit puts it on
  // the agent, or it was resolved meanwhile): from then on the agent's own hash counts the seat.
  const inFlight = new Map<string, InFlight>();
  const confirmed: string[] = [];
  pending.forEach(({ conversation, entry }, i) => {
    if (!stillQueued[i] || nowMs - entry.at > IN_FLIGHT_MS) confirmed.push(conversation);
    else inFlight.set(conversation, entry);
  });
  if (confirmed.length > 0) await redis.hdel(rk.inFlight, ...confirmed);

  const board: AgentBoard = { agents: {}, holders: {}, roundRobin: {} };
  for (const a of agents) {
    const p = presence[a.id] ? (JSON.parse(presence[a.id]!) as StoredPresence) : null;
    const load: AgentLive['load'] = { email: [], chat: [], sms: [], social: [] };
    for (const [conversation, channel] of Object.entries(held.get(a.id) ?? {})) {
      if (CHANNELS.includes(channel as Channel)) load[channel as Channel].push(conversation);
      board.holders[conversation] = { agent: a.id, channel: channel as Channel };
    }
    board.agents[a.id] = { status: p?.status ?? 'offline', since: p?.since ?? null, capacity: p?.capacity ?? {}, load, lastAssignedAt: lastAssigned[a.id] ?? null };
  }
  for (const [conversation, f] of inFlight) {
    const agent = board.agents[f.agent];
    if (!agent || board.holders[conversation]) continue;
    agent.load[f.channel].push(conversation);
    board.holders[conversation] = { agent: f.agent, channel: f.channel };
  }
  for (const [team, mark] of Object.entries(roundRobin)) {
    const [at, conversation, agent] = mark.split('|');
    if (at && conversation && agent) board.roundRobin[team] = { at, conversation, agent };
  }
  return { board, inFlight };
}
