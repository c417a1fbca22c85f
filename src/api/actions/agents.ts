import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { CHANNELS, type AgentConfig } from '../../domain/routing/config.ts';
import type { Channel } from '../../domain/state.ts';
import type { StoredPresence } from '../../projections/presence.ts';
import { sendError } from '../../http/errors.ts';
import type { ReadScope } from '../../projections/reader.ts';
import { summarize, type ConversationSummary } from '../../projections/views.ts';
import { can } from '../../domain/access/index.ts';
import { boundAgent, principalOf } from '../access.ts';
import { refuseMissing } from '../auth.ts';
import type { ActionDeps } from './conversation-action.ts';
import { configuredAgent } from './roster.ts';

/** One agent as the console's board shows it. */
export interface AgentView {
  id: string;
  name: string;
  teams: string[];
  /** offline until the agent's first status event is folded. */
  status: StoredPresence['status'];
  since: string | null;
  /** Seats per channel now: the configured ones, with the session's overrides over them. */
  capacity: Record<Channel, number>;
  /** Open conversations the agent holds, per channel (the seat each takes). */
  load: Record<Channel, number>;
}

/**
 * `GET /v1/agents`: the tenant's configured agents with their presence and load as folded. Agents
 * come from configuration (an agent who never signed in is listed, offline); presence and load come
 * from the projection's namespace active for this request, so a rebuild's switch is seen at once.
 *
 * `GET /v1/agents/:id/conversations`: the open (and pending) conversations the agent holds, oldest
 * first, from the agent's index in the projections: what a console's "my conversations" lists.
 */
export function agentsRoute(app: FastifyInstance, { ctx, reader, tenants }: ActionDeps): void {
  app.get('/v1/agents', { config: { access: 'presence:read' } }, async (request) => {
    const scope = await reader.scope(request.tenant);
    return agentViews(ctx.redis, scope, tenants(request.tenant).routing.agents);
  });

  // An agent reads their own presence and seats (the console's status menu); anyone's needs presence:read.
  app.get<{ Params: { id: string } }>('/v1/agents/:id', { config: { access: 'conversations:read' } }, async (request, reply) => {
    const bound = boundAgent(request);
    if (bound && bound.agent !== request.params.id) return sendError(reply, 403, 'not_yourself', "an agent reads their own presence only; another agent's needs a supervisor");
    const principal = principalOf(request);
    if (!bound && !can(principal, 'presence:read')) return refuseMissing(reply, principal, 'presence:read');
    const agent = configuredAgent(tenants(request.tenant), request.params.id);
    if (!agent) return sendError(reply, 404, 'not_found', `agent ${request.params.id} not found`);
    const [view] = await agentViews(ctx.redis, await reader.scope(request.tenant), [agent]);
    return view;
  });

  // An agent reads their own list; the board's view of anyone's needs presence:read.
  app.get<{ Params: { id: string } }>('/v1/agents/:id/conversations', { config: { access: 'conversations:read' } }, async (request, reply) => {
    const bound = boundAgent(request);
    if (bound && bound.agent !== request.params.id) return sendError(reply, 403, 'not_yourself', "an agent reads their own conversations only; another agent's list needs a supervisor");
    const principal = principalOf(request);
    if (!bound && !can(principal, 'presence:read')) return refuseMissing(reply, principal, 'presence:read');
    const agent = configuredAgent(tenants(request.tenant), request.params.id);
    if (!agent) return sendError(reply, 404, 'not_found', `agent ${request.params.id} not found`);
    const scope = await reader.scope(request.tenant);
    const held = await ctx.redis.hgetall(scope.keys.agentConversations(scope.tenant, agent.id));
    const conversations = (await reader.conversations(scope, Object.keys(held)))
      // The index and the conversation are written together; a conversation read after a later
      // commit (resolved, transferred) since the index was read is no longer the agent's.
      .filter((c) => c.assignee === agent.id && c.status !== 'resolved')
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id))
      .map((c): HeldConversation => ({ ...summarize(c), seat: held[c.id] as Channel }));
    return { agent: agent.id, conversations };
  });
}

/** One of an agent's open conversations as the console lists it: the summary, and whose seat it takes. */
export type HeldConversation = ConversationSummary & { seat: Channel };

async function agentViews(redis: Redis, scope: ReadScope, agents: readonly AgentConfig[]): Promise<AgentView[]> {
  if (agents.length === 0) return [];
  // One round trip: the tenant's presence hash, then each agent's conversations hash.
  const pipeline = redis.pipeline().hgetall(scope.keys.agentPresence(scope.tenant));
  for (const agent of agents) pipeline.hgetall(scope.keys.agentConversations(scope.tenant, agent.id));
  const replies = (await pipeline.exec()) ?? [];
  const [presenceReply, ...heldReplies] = replies.map(([err, value]) => {
    if (err) throw err;
    return value as Record<string, string>;
  });
  const presence = presenceReply ?? {};
  return agents.map((agent, i) => {
    const live = presence[agent.id] ? (JSON.parse(presence[agent.id]!) as StoredPresence) : null;
    return {
      id: agent.id,
      name: agent.name,
      teams: agent.teams,
      status: live?.status ?? 'offline',
      since: live?.since ?? null,
      capacity: { ...agent.capacity, ...live?.capacity },
      load: loadBySeat(heldReplies[i] ?? {}),
    };
  });
}

/** Conversation id -> seat channel, counted per channel. */
function loadBySeat(held: Record<string, string>): Record<Channel, number> {
  const load = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<Channel, number>;
  for (const seat of Object.values(held)) if (Object.hasOwn(load, seat)) load[seat as Channel]++;
  return load;
}
