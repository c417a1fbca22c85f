import type { FastifyInstance } from 'fastify';
import { createEvent, deterministicEventId, randomEventId } from '../../../events/index.ts';
import { agentSubject } from '../../../events/types/agent.ts';
import { decideAgentStatus } from '../../domain/actions/index.ts';
import type { Channel } from '../../domain/state.ts';
import { sendError } from '../../http/errors.ts';
import { authContextOf, boundAgent, principalOf } from '../access.ts';
import { appendOr503 } from './append.ts';
import { recordReceipt, type ActionDeps } from './conversation-action.ts';
import { idempotencyKey } from './idempotency.ts';
import { sendRefusal } from './refusals.ts';

interface StatusBody {
  status: 'online' | 'away' | 'offline';
  /** Seats per channel for the session: a number replaces the configured one, null goes back to it. */
  capacity?: Partial<Record<Channel, number | null>>;
}

const seats = { type: ['integer', 'null'], minimum: 0, maximum: 100 };

const statusSchema = {
  body: {
    type: 'object',
    required: ['status'],
    additionalProperties: false,
    properties: {
      status: { type: 'string', enum: ['online', 'away', 'offline'] },
      capacity: { type: 'object', additionalProperties: false, properties: { email: seats, chat: seats, sms: seats, social: seats } },
    },
  },
};

/**
 * `PUT /v1/agents/:id/status`: an agent goes online, away or offline, or changes their seats for
 * the session. `agent.status_changed` goes on the agent's own key (`agent:<id>`), so one agent's
 * changes stay in order; the fold writes the presence hash and asks for a queue drain (coming
 * online or opening seats may place waiting conversations). Not checked against the state: saying
 * "online" twice is harmless, and the console shows what the agent chose (`decideAgentStatus`: only
 * a configured agent has a status).
 */
export function agentStatusRoute(app: FastifyInstance, deps: ActionDeps): void {
  const { ctx, tenants, receipts } = deps;
  app.put<{ Params: { id: string }; Body: StatusBody }>('/v1/agents/:id/status', { schema: statusSchema, config: { access: 'presence:write' } }, async (request, reply) => {
    const { tenant } = request;
    const bound = boundAgent(request);
    if (bound && bound.agent !== request.params.id) return sendError(reply, 403, 'not_yourself', 'an agent sets their own status only; setting another agent\'s needs a supervisor');
    const { status, capacity } = request.body;
    const decision = decideAgentStatus({ roster: tenants(tenant).routing }, { agent: request.params.id, status, ...(capacity ? { capacity } : {}) });
    if (!decision.ok) return sendRefusal(reply, decision.refusal);
    const { agent } = decision.event.data;

    const key = idempotencyKey(request.headers['idempotency-key']);
    if (key === null) return sendError(reply, 400, 'bad_request', 'Idempotency-Key is 1 to 256 printable characters');
    const eventId = key ? deterministicEventId(tenant, 'api', key, `status/${agent}`) : randomEventId();
    // The agents' fold orders by log position, not event id: a retry that appended again would
    // apply again (harmless right after, wrong after a later change), so a finished one is not re-sent.
    if (key && (await receipts.done(tenant, eventId))) return reply.code(202).send({ eventId });

    const event = createEvent({
      type: decision.event.type,
      id: eventId,
      source: '/api',
      tenant,
      customer: agentSubject(agent),
      time: ctx.now().toISOString(),
      data: decision.event.data,
      auth: authContextOf(principalOf(request)),
    });
    if (!(await appendOr503(ctx.eventLog, [event], reply))) return reply;
    if (key) await recordReceipt(deps, reply, tenant, eventId);
    return reply.code(202).send({ eventId });
  });
}
