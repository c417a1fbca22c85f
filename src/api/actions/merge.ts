import type { FastifyInstance } from 'fastify';
import type { CountryCode } from 'libphonenumber-js';
import { createEvent, deterministicEventId } from '../../../events/index.ts';
import type { Customer } from '../../domain/state.ts';
import { sendError } from '../../http/errors.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import type { ChannelContext } from '../../channels/context.ts';
import { normaliseHandle } from '../../channels/handles.ts';
import { appendOr503, printableString } from './append.ts';

interface MergeBody {
  /** The customer absorbed into the one in the URL. */
  from: string;
  /** The agent who decided it; the system when absent. */
  by?: string;
}

const mergeSchema = {
  body: {
    type: 'object',
    required: ['from'],
    additionalProperties: false,
    properties: { from: printableString(128), by: printableString(128) },
  },
} as const;

/**
 * `POST /v1/customers/:id/merge`: two customers are one person. `customer.merged` goes on both
 * customers' keys (each partition sees it in order with that customer's events), then the absorbed
 * customer's identities lead to the survivor, so their next message lands on the survivor's timeline.
 * Event ids are derived from the pair: a retried request is the same two events.
 */
export function mergeRoute(app: FastifyInstance, ctx: ChannelContext, reader: ProjectionReader): void {
  app.post<{ Params: { id: string }; Body: MergeBody }>('/v1/customers/:id/merge', { schema: mergeSchema }, async (request, reply) => {
    const { tenant } = request;
    const survivorId = request.params.id;
    const absorbedId = request.body.from;
    if (survivorId === absorbedId) return sendError(reply, 409, 'same_customer', 'a customer cannot be merged into itself');

    const found = await reader.customers(await reader.scope(tenant), [survivorId, absorbedId]);
    const survivor = found.get(survivorId);
    const absorbed = found.get(absorbedId);
    if (!survivor) return sendError(reply, 404, 'not_found', `customer ${survivorId} not found`);
    if (!absorbed) return sendError(reply, 404, 'not_found', `customer ${absorbedId} (from) not found`);
    if (survivor.mergedInto) {
      return sendError(reply, 409, 'survivor_merged', `customer ${survivorId} was itself merged into ${survivor.mergedInto}: merge into that one`, { mergedInto: survivor.mergedInto });
    }
    if (absorbed.mergedInto) {
      // The same merge asked again (say, after a repoint that failed): finish it, it is idempotent.
      if (absorbed.mergedInto === survivorId) await repoint(ctx, tenant, absorbed, survivorId);
      return sendError(reply, 409, 'already_merged', `customer ${absorbedId} is already merged into ${absorbed.mergedInto}`, { mergedInto: absorbed.mergedInto });
    }

    const by = request.body.by ? { kind: 'agent' as const, id: request.body.by } : { kind: 'system' as const, id: 'api' };
    const time = ctx.now().toISOString();
    const events = [survivorId, absorbedId].map((customer) =>
      createEvent({
        type: 'customer.merged',
        id: deterministicEventId(tenant, 'merge', `${absorbedId}>${survivorId}`, customer === survivorId ? 'survivor' : 'absorbed'),
        source: '/api',
        tenant,
        customer,
        time,
        data: { survivor: survivorId, absorbed: absorbedId, by },
      }),
    );
    if (!(await appendOr503(ctx.eventLog, events, reply))) return reply;
    // After the append: identities never lead to a survivor the log does not know of.
    const repointed = await repoint(ctx, tenant, absorbed, survivorId);
    return reply.code(202).send({ survivor: survivorId, absorbed: absorbedId, eventIds: events.map((e) => e.id), repointed });
  });
}

async function repoint(ctx: ChannelContext, tenant: string, absorbed: Customer, survivor: string): Promise<number> {
  const defaultCountry = ctx.config.channels.defaultCountry as CountryCode;
  const keys = absorbed.identities.flatMap((i) => {
    const normalised = normaliseHandle(i.channel, i.provider, i.handle, defaultCountry);
    return normalised.ok ? [normalised.value.identityKey] : [];
  });
  const unique = [...new Set(keys)];
  await ctx.identities.repoint(tenant, unique, survivor);
  return unique.length;
}
