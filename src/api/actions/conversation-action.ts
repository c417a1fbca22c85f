import type { FastifyInstance, FastifyReply } from 'fastify';
import { createEvent, deterministicEventId, randomEventId, type EventType } from '../../../events/index.ts';
import type { TenantRegistry } from '../../config/policies.ts';
import type { ActionRefusal, ConversationDecision } from '../../domain/actions/index.ts';
import type { Conversation, Customer } from '../../domain/state.ts';
import { sendError } from '../../http/errors.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import type { TenantSettings } from '../../tenants/settings.ts';
import type { ChannelContext } from '../../channels/context.ts';
import type { Actor } from '../../domain/actions/decision.ts';
import { can } from '../../domain/access/index.ts';
import { actingAs, mayHandle, principalOf } from '../access.ts';
import { refuseMissing } from '../auth.ts';
import type { ActorInput } from './actors.ts';
import { appendOr503 } from './append.ts';
import { idempotencyKey, type ActionReceipts } from './idempotency.ts';
import { sendRefusal } from './refusals.ts';

/** What the action routes are built from. */
export interface ActionDeps {
  ctx: ChannelContext;
  reader: ProjectionReader;
  tenants: TenantRegistry;
  receipts: ActionReceipts;
}

/**
 * What a route hands its domain decider (src/domain/actions) from: the projection as the request
 * found it, the request's body, the tenant's settings and the server's time.
 */
export interface ActionInput<Body> {
  conversation: Conversation;
  /** The conversation's customer: reopening depends on their other open conversation. */
  customer: Customer | undefined;
  body: Body;
  settings: TenantSettings;
  /** The server clock, as RFC 3339: doors stamp the time of what happens through them. */
  now: string;
  /** Who acts, as authenticated (see access.ts, actingAs). */
  actor: Actor;
}

/**
 * `POST /v1/conversations/:id/<action>`: the steps every conversation action shares, around a pure
 * `decide` of the domain (a refusal is answered with its code's status, see refusals.ts). The API key's tenant scopes the id (another tenant's conversation is a 404); an
 * Idempotency-Key makes the event id deterministic, scoped by action and conversation, so a retried
 * request is the same event; the answer (202 with the event id) comes only after Kafka acknowledged.
 */
export function conversationAction<Body, T extends EventType>(
  app: FastifyInstance,
  deps: ActionDeps,
  spec: {
    action: string;
    body: Record<string, unknown>;
    decide: (input: ActionInput<Body>) => ConversationDecision<T, ActionRefusal>;
    /** The agent the action hands the conversation to, if any: an agent (the role) may only name themselves. */
    handsTo?: (body: Body) => string | null | undefined;
  },
): void {
  const { ctx, reader, tenants, receipts } = deps;
  app.post<{ Params: { id: string }; Body: Body }>(`/v1/conversations/:id/${spec.action}`, { schema: { body: spec.body }, config: { access: 'conversations:act' } }, async (request, reply) => {
    const { tenant } = request;
    const scope = await reader.scope(tenant);
    const conversation = await reader.conversation(scope, request.params.id);
    if (!conversation) return sendError(reply, 404, 'not_found', 'conversation not found');
    const settings = tenants(tenant);
    if (!mayHandle(request, reply, settings.routing, conversation)) return reply;
    const acting = actingAs(request, reply, (request.body as { by?: ActorInput }).by);
    if (!acting.ok) return acting.reply;
    // An agent may take a conversation; handing it to someone else is a supervisor's call.
    const target = spec.handsTo?.(request.body as Body);
    const principal = principalOf(request);
    if (target && target !== acting.actor.id && !can(principal, 'conversations:assign-others')) return refuseMissing(reply, principal, 'conversations:assign-others');

    const key = idempotencyKey(request.headers['idempotency-key']);
    if (key === null) return sendError(reply, 400, 'bad_request', 'Idempotency-Key is 1 to 256 printable characters');
    // Scoped by action and conversation: a key reused for another action or conversation is another event.
    const eventId = key ? deterministicEventId(tenant, 'api', key, `${spec.action}/${conversation.id}`) : randomEventId();
    // Checked before the state: once folded, the state would refuse the retry of a success.
    if (key && (await receipts.done(tenant, eventId))) return accepted(reply, eventId);

    const customer = (await reader.customers(scope, [conversation.customer])).get(conversation.customer);
    const now = ctx.now().toISOString();
    const decision = spec.decide({ conversation, customer, body: request.body as Body, settings, now, actor: acting.actor });
    if (!decision.ok) return sendRefusal(reply, decision.refusal);

    const event = createEvent({
      type: decision.event.type,
      id: eventId,
      source: '/api',
      tenant,
      customer: conversation.customer,
      conversation: conversation.id,
      time: now,
      data: decision.event.data,
      auth: acting.auth,
    });
    if (!(await appendOr503(ctx.eventLog, [event], reply))) return reply;
    if (key) await recordReceipt(deps, reply, tenant, eventId);
    // The audit line: who did what to which conversation (the event names the actor too).
    request.log.info({ tenant, conversation: conversation.id, action: spec.action, eventId, by: acting.actor, authid: acting.auth.authid }, 'agent action accepted');
    return accepted(reply, eventId);
  });
}

const accepted = (reply: FastifyReply, eventId: string) => reply.code(202).send({ eventId });

/** The event is on the log whatever happens here: a lost receipt only costs a retry its 202 (it may get a 409). */
export async function recordReceipt(deps: Pick<ActionDeps, 'receipts'>, reply: FastifyReply, tenant: string, eventId: string): Promise<void> {
  await deps.receipts.record(tenant, eventId).catch((err: unknown) => {
    reply.request.log.warn({ tenant, eventId, reason: err instanceof Error ? err.message : String(err) }, 'action receipt not recorded');
  });
}
