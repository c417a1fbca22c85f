import type { FastifyInstance } from 'fastify';
import type { CountryCode } from 'libphonenumber-js';
import { createEvent, deterministicEventId } from '../../../events/index.ts';
import { decideMerge } from '../../domain/actions/index.ts';
import type { Customer } from '../../domain/state.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import type { ChannelContext } from '../../channels/context.ts';
import { normaliseHandle } from '../../channels/handles.ts';
import { appendOr503, printableString } from './append.ts';
import { actingAs } from '../access.ts';
import { sendRefusal } from './refusals.ts';

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
  app.post<{ Params: { id: string }; Body: MergeBody }>('/v1/customers/:id/merge', { schema: mergeSchema, config: { access: 'customers:merge' } }, async (request, reply) => {
    const { tenant } = request;
    const survivorId = request.params.id;
    const absorbedId = request.body.from;
    // Read even for a request that names one customer twice: the decision refuses it first.
    const found = await reader.customers(await reader.scope(tenant), [survivorId, absorbedId]);
    const absorbed = found.get(absorbedId);
    const acting = actingAs(request, reply, request.body.by);
    if (!acting.ok) return acting.reply;
    const by = acting.actor;
    const decision = decideMerge({ survivor: found.get(survivorId), absorbed }, { survivor: survivorId, absorbed: absorbedId, by });
    if (!decision.ok) {
      // The same merge asked again (say, after a repoint that failed): finish it, it is idempotent.
      if (absorbed && decision.refusal.code === 'already_merged' && decision.refusal.mergedInto === survivorId) await repoint(ctx, tenant, absorbed, survivorId);
      return sendRefusal(reply, decision.refusal);
    }

    const time = ctx.now().toISOString();
    const events = decision.events.map(({ customer, side, type, data }) =>
      createEvent({ type, id: deterministicEventId(tenant, 'merge', `${absorbedId}>${survivorId}`, side), source: '/api', tenant, customer, time, data, auth: acting.auth }),
    );
    if (!(await appendOr503(ctx.eventLog, events, reply))) return reply;
    // After the append: identities never lead to a survivor the log does not know of.
    // Accepted, so both customers were found.
    const repointed = await repoint(ctx, tenant, absorbed!, survivorId);
    return reply.code(202).send({ survivor: survivorId, absorbed: absorbedId, eventIds: events.map((e) => e.id), repointed });
  });
}

async function repoint(ctx: ChannelContext, tenant: string, absorbed: Customer, survivor: string): Promise<number> {
  const defaultCountry = ctx.config.channels.defaultCountry as CountryCode;
  // The handles as the doors normalised them: opened, since the projection holds them sealed.
  const identities = ctx.privacy ? await ctx.privacy.opener.open(tenant, absorbed.identities) : absorbed.identities;
  const keys = identities.flatMap((i) => {
    const normalised = normaliseHandle(i.channel, i.provider, i.handle, defaultCountry);
    return normalised.ok ? [normalised.value.identityKey] : [];
  });
  const unique = [...new Set(keys)];
  await ctx.identities.repoint(tenant, unique, survivor);
  return unique.length;
}
