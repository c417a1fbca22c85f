import type { FastifyInstance, FastifyReply } from 'fastify';
import { createEvent, deterministicEventId, randomEventId, type EventDataInput, type EventType } from '../../../events/index.ts';
import type { TenantRegistry } from '../../config/policies.ts';
import type { Conversation, Customer } from '../../domain/state.ts';
import { sendError } from '../../http/errors.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import type { TenantSettings } from '../../tenants/settings.ts';
import type { ChannelContext } from '../../channels/context.ts';
import { actorOf, type ActorInput } from './actors.ts';
import { appendOr503 } from './append.ts';
import { idempotencyKey, type ActionReceipts } from './idempotency.ts';

/** What the action routes are built from. */
export interface ActionDeps {
  ctx: ChannelContext;
  reader: ProjectionReader;
  tenants: TenantRegistry;
  receipts: ActionReceipts;
}

/**
 * Why an action is refused: 409 when the conversation's state forbids it, 422 when the request
 * names something the tenant does not have, 400 when the body asks for nothing. `extra` goes into
 * the error body beside the code (say, the conversation that stands in the way).
 */
export interface Refusal {
  refused: { status: 400 | 409 | 422; code: string; message: string; extra?: Record<string, unknown> };
}

export const refuse = (status: 400 | 409 | 422, code: string, message: string, extra?: Record<string, unknown>): Refusal => ({
  refused: { status, code, message, ...(extra ? { extra } : {}) },
});

/** The event an accepted action becomes (on the conversation's customer, named by the conversation). */
export interface Decided<T extends EventType> {
  type: T;
  data: EventDataInput<T>;
}

/** What an action's decision reads: the projection as the request found it, and the tenant's settings. */
export interface ActionInput<Body> {
  conversation: Conversation;
  /** The conversation's customer: reopening depends on their other open conversation. */
  customer: Customer | undefined;
  body: Body;
  settings: TenantSettings;
  /** The server clock, as RFC 3339: doors stamp the time of what happens through them. */
  now: string;
}

/**
 * `POST /v1/conversations/:id/<action>`: the steps every conversation action shares, around a pure
 * `decide`. The API key's tenant scopes the id (another tenant's conversation is a 404); an
 * Idempotency-Key makes the event id deterministic, scoped by action and conversation, so a retried
 * request is the same event; the answer (202 with the event id) comes only after Kafka acknowledged.
 */
export function conversationAction<Body, T extends EventType>(
  app: FastifyInstance,
  deps: ActionDeps,
  spec: { action: string; body: Record<string, unknown>; decide: (input: ActionInput<Body>) => Decided<T> | Refusal },
): void {
  const { ctx, reader, tenants, receipts } = deps;
  app.post<{ Params: { id: string }; Body: Body }>(`/v1/conversations/:id/${spec.action}`, { schema: { body: spec.body } }, async (request, reply) => {
    const { tenant } = request;
    const scope = await reader.scope(tenant);
    const conversation = await reader.conversation(scope, request.params.id);
    if (!conversation) return sendError(reply, 404, 'not_found', 'conversation not found');

    const key = idempotencyKey(request.headers['idempotency-key']);
    if (key === null) return sendError(reply, 400, 'bad_request', 'Idempotency-Key is 1 to 256 printable characters');
    // Scoped by action and conversation: a key reused for another action or conversation is another event.
    const eventId = key ? deterministicEventId(tenant, 'api', key, `${spec.action}/${conversation.id}`) : randomEventId();
    // Checked before the state: once folded, the state would refuse the retry of a success.
    if (key && (await receipts.done(tenant, eventId))) return accepted(reply, eventId);

    const customer = (await reader.customers(scope, [conversation.customer])).get(conversation.customer);
    const now = ctx.now().toISOString();
    const decision = spec.decide({ conversation, customer, body: request.body as Body, settings: tenants(tenant), now });
    if ('refused' in decision) {
      const { status, code, message, extra } = decision.refused;
      return sendError(reply, status, code, message, extra);
    }

    const event = createEvent({
      type: decision.type,
      id: eventId,
      source: '/api',
      tenant,
      customer: conversation.customer,
      conversation: conversation.id,
      time: now,
      data: decision.data,
    });
    if (!(await appendOr503(ctx.eventLog, [event], reply))) return reply;
    if (key) await recordReceipt(deps, reply, tenant, eventId);
    // The audit line: who did what to which conversation (conversation.assigned has no actor field).
    request.log.info({ tenant, conversation: conversation.id, action: spec.action, eventId, by: actorOf((request.body as { by?: ActorInput }).by) }, 'agent action accepted');
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
