import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EnvelopeAttributes } from '../../events/index.ts';
import { agentReach, boundToAgent, reaches, type AgentReach, type Principal } from '../domain/access/index.ts';
import type { Actor } from '../domain/actions/decision.ts';
import type { RoutingSettings } from '../domain/routing/config.ts';
import { sendError } from '../http/errors.ts';
import { actorOf, type ActorInput } from './actions/actors.ts';

/** The CloudEvents authcontext attributes an event gets from the request that caused it. */
export type AuthContext = Pick<EnvelopeAttributes, 'authtype' | 'authid' | 'authclaims'>;

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} reads the principal but is public`);
  return request.principal;
}

/** Who caused what a request appends, as authenticated: a person (their account) or an API key (its id). */
export function authContextOf(principal: Principal, onBehalfOf?: Actor): AuthContext {
  if (principal.kind === 'person') {
    return { authtype: 'user', authid: principal.account, authclaims: JSON.stringify({ via: 'session', role: principal.role, agent: principal.agent }) };
  }
  return { authtype: 'api_key', authid: principal.key, authclaims: JSON.stringify({ via: 'api_key', ...(onBehalfOf ? { onBehalfOf } : {}) }) };
}

export type Acting = { ok: true; actor: Actor; auth: AuthContext } | { ok: false; reply: FastifyReply };

/**
 * The actor of an action is the server's word. A signed-in person acts as their own agent: a body
 * naming someone else is refused (403 `not_yourself`), so a forged `by` changes nothing. An API key
 * with the actions scope acts for an integration: its `by` is taken as given and the event records
 * that it came through that key.
 */
export function actingAs(request: FastifyRequest, reply: FastifyReply, by: ActorInput | undefined): Acting {
  const principal = principalOf(request);
  if (principal.kind === 'key') {
    const actor = actorOf(by);
    return { ok: true, actor, auth: authContextOf(principal, by === undefined ? undefined : actor) };
  }
  const self: Actor = { kind: 'agent', id: principal.agent ?? principal.account };
  if (by !== undefined) {
    const named = actorOf(by);
    if (named.kind !== self.kind || named.id !== self.id) {
      return { ok: false, reply: sendError(reply, 403, 'not_yourself', `signed in, you act as yourself (${self.kind} ${self.id}); leave "by" out`) };
    }
  }
  return { ok: true, actor: self, auth: authContextOf(principal) };
}

/**
 * For an agent (the role): whether they may see and act on the conversation (their teams' queues,
 * or assigned to them). Refuses with 403 `not_your_conversation` when not; true for everyone else.
 */
export function mayHandle(request: FastifyRequest, reply: FastifyReply, routing: RoutingSettings, conversation: { team: string | null; assignee: string | null }): boolean {
  const reach = reachOf(request, routing);
  if (!reach || reaches(reach, conversation)) return true;
  sendError(reply, 403, 'not_your_conversation', "this conversation is neither assigned to you nor in one of your teams' queues");
  return false;
}

/** What the request's principal may reach when limited to their own work (an agent), or null. */
export function reachOf(request: FastifyRequest, routing: RoutingSettings): AgentReach | null {
  return agentReach(boundToAgent(principalOf(request)), routing);
}

/** The agent whose own data alone an agent-role person may touch, or null when unbound. */
export function boundAgent(request: FastifyRequest): { agent: string | null } | null {
  return boundToAgent(principalOf(request));
}
