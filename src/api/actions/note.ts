import type { FastifyInstance } from 'fastify';
import type { TenantRegistry } from '../../config/policies.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import type { ChannelContext } from '../../channels/context.ts';
import { printableString } from './append.ts';
import { agentMessageRoute } from './reply.ts';

const noteSchema = {
  body: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    properties: { text: { type: 'string', minLength: 1, maxLength: 100_000 }, authorId: printableString(128) },
  },
};

/**
 * `POST /v1/conversations/:id/notes` {text, authorId?}: an internal note, for agents only. The
 * reply's path with `internal: true` (message.sent, never delivered, not a response), so it also
 * goes on a resolved conversation and on one nobody wrote in.
 */
export function noteRoute(app: FastifyInstance, ctx: ChannelContext, reader: ProjectionReader, tenants: TenantRegistry): void {
  agentMessageRoute(app, ctx, reader, tenants, { path: '/v1/conversations/:id/notes', schema: noteSchema, action: 'note', internal: true });
}
