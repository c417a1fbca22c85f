import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TenantRegistry } from '../../config/policies.ts';
import { reaches } from '../../domain/access/index.ts';
import { sendError } from '../../http/errors.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import { reachOf } from '../access.ts';

export interface ReadDeps {
  reader: ProjectionReader;
  tenants: TenantRegistry;
}

/**
 * For an agent (the role): whether one of these conversations is theirs to see (assigned to them
 * or in their teams' queues), else a 403 `not_your_customer`. True for everyone else.
 */
export function mayReadCustomer(request: FastifyRequest, reply: FastifyReply, tenants: TenantRegistry, conversations: readonly { team: string | null; assignee: string | null }[]): boolean {
  const reach = reachOf(request, tenants(request.tenant).routing);
  if (!reach || conversations.some((c) => reaches(reach, c))) return true;
  sendError(reply, 403, 'not_your_customer', "none of this customer's conversations is assigned to you or in your teams' queues");
  return false;
}

/** Query-string schema of a `?limit=` (fastify coerces the text to an integer and answers 400 when out of range). */
export const limitQuery = (defaultLimit: number, max: number) =>
  ({
    type: 'object',
    properties: { limit: { type: 'integer', minimum: 1, maximum: max, default: defaultLimit } },
  }) as const;
