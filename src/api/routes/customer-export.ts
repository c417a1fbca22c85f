import type { FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import type { AttachmentStore } from '../../attachments/store.ts';
import { notFound } from '../../http/errors.ts';
import type { Privacy } from '../../privacy/index.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import { subjectAccessExport } from '../../replay/subject-access.ts';
import { subjectAccessZip } from '../../replay/subject-access-zip.ts';

/**
 * `GET /v1/customers/:id/export`: everything of one person, for their right of access (the JSON of
 * src/replay/subject-access.ts; `?format=zip` adds the files' bytes). Admins only: it is every
 * message the person ever wrote, in one answer. The log is read from the person's partitions, so
 * an answer takes as long as reading those; the route's timeout is a minute.
 */
export function customerExportRoutes(app: FastifyInstance, deps: { reader: ProjectionReader; kafka: Kafka; topic: string; store: AttachmentStore; privacy: Privacy | null }): void {
  app.get<{ Params: { id: string }; Querystring: { format?: 'json' | 'zip' } }>(
    '/customers/:id/export',
    {
      schema: { querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['json', 'zip'] } } } },
      config: { access: 'customers:data' },
      handlerTimeout: 60_000,
    },
    async (request, reply) => {
      const found = await subjectAccessExport({ reader: deps.reader, kafka: deps.kafka, topic: deps.topic, tenant: request.tenant, customer: request.params.id, now: new Date() });
      if (!found) throw notFound('customer');
      // The person's own data, opened for them (the zip is not serialised by the answer's hook).
      const exported = deps.privacy ? await deps.privacy.opener.open(request.tenant, found) : found;
      const name = `customer-${exported.customer.replace(/[^\w.-]/g, '_')}-${exported.exportedAt.slice(0, 10)}`;
      if (request.query.format !== 'zip') return reply.header('content-disposition', `attachment; filename="${name}.json"`).send(exported);
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${name}.zip"`)
        .send(await subjectAccessZip(exported, deps.store));
    },
  );
}
