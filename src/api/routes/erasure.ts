import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { CountryCode } from 'libphonenumber-js';
import type { AttachmentStore } from '../../attachments/store.ts';
import { IdentityStore } from '../../channels/identity.ts';
import type { Config } from '../../config/schema.ts';
import { eraseCustomer } from '../../erasure/erase.ts';
import { sendError } from '../../http/errors.ts';
import type { EventLog } from '../../log/event-log.ts';
import type { Privacy } from '../../privacy/index.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import { actingAs } from '../access.ts';

/**
 * `POST /v1/customers/:id/erase`: the customer's right to be forgotten (src/erasure/erase.ts).
 * Admins only, like the export. Answers 200 with what was done; the same call again answers the
 * same outcome (`again: true`), and finishes an erasure a first call left half-way.
 */
export function erasureRoutes(app: FastifyInstance, deps: { reader: ProjectionReader; redis: Redis; kafka: Kafka; config: Config; eventLog: EventLog; store: AttachmentStore; privacy: Privacy | null }): void {
  const { config } = deps;
  const identities = new IdentityStore(deps.redis, config.instance, deps.privacy?.blinder);
  app.post<{ Params: { id: string } }>('/customers/:id/erase', { config: { access: 'customers:data' }, handlerTimeout: 60_000 }, async (request, reply) => {
    const acting = actingAs(request, reply, undefined);
    if (!acting.ok) return acting.reply;
    const result = await eraseCustomer(
      {
        reader: deps.reader,
        redis: deps.redis,
        instance: config.instance,
        kafka: deps.kafka,
        topic: config.kafka.topics.events,
        eventLog: deps.eventLog,
        privacy: deps.privacy,
        identities,
        store: deps.store,
        defaultCountry: config.channels.defaultCountry as CountryCode,
        now: () => new Date(),
      },
      { tenant: request.tenant, customer: request.params.id, by: acting.actor, auth: acting.auth },
    );
    if (!result.ok) return sendError(reply, result.code === 'not_found' ? 404 : 409, result.code === 'not_found' ? 'not_found' : 'erasure_unavailable', result.message);
    return reply.code(200).send({ ...result.outcome, again: result.again });
  });
}
