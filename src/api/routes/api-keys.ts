import type { FastifyInstance } from 'fastify';
import type { ApiKeyStore } from '../../accounts/api-keys.ts';
import { accountChangedEvent } from '../../accounts/audit.ts';
import { SCOPES, type Scope } from '../../domain/access/index.ts';
import { sendError } from '../../http/errors.ts';
import type { EventLog } from '../../log/event-log.ts';
import { actingAs, principalOf } from '../access.ts';
import { appendOr503 } from '../actions/append.ts';

export interface ApiKeyDeps {
  keys: ApiKeyStore;
  eventLog: EventLog;
  now?: () => Date;
}

const createSchema = {
  body: {
    type: 'object',
    required: ['name', 'scopes'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
      scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...SCOPES] } },
    },
  },
} as const;

/**
 * The tenant's API keys, for admins (`keys:admin`): list (with last use, never the secret), create
 * (the token is in this one answer only), revoke. Each is an `account.changed` audit event.
 */
export function apiKeyRoutes(app: FastifyInstance, deps: ApiKeyDeps): void {
  const now = deps.now ?? (() => new Date());
  const access = { access: 'keys:admin' } as const;

  app.get('/v1/api-keys', { config: access }, async (request) => ({ keys: await deps.keys.list(request.tenant) }));

  app.post<{ Body: { name: string; scopes: Scope[] } }>('/v1/api-keys', { schema: createSchema, config: access }, async (request, reply) => {
    const acting = actingAs(request, reply, undefined);
    if (!acting.ok) return acting.reply;
    const principal = principalOf(request);
    const createdBy = principal.kind === 'person' ? principal.account : principal.key;
    const { key, token } = await deps.keys.create({ tenant: request.tenant, name: request.body.name, scopes: request.body.scopes, createdBy });
    const event = accountChangedEvent({ tenant: request.tenant, change: { subject: { kind: 'api_key', id: key.id }, change: 'created', scopes: key.scopes }, by: acting.actor, auth: acting.auth, time: now() });
    if (!(await appendOr503(deps.eventLog, [event], reply))) {
      await deps.keys.remove(request.tenant, key.id);
      return reply;
    }
    return reply.code(201).send({ key, token });
  });

  app.delete<{ Params: { id: string } }>('/v1/api-keys/:id', { config: access }, async (request, reply) => {
    const acting = actingAs(request, reply, undefined);
    if (!acting.ok) return acting.reply;
    const key = await deps.keys.revoke(request.tenant, request.params.id);
    if (!key) return sendError(reply, 404, 'not_found', 'API key not found');
    if (key.revoked) return { key };
    const event = accountChangedEvent({ tenant: request.tenant, change: { subject: { kind: 'api_key', id: key.id }, change: 'revoked' }, by: acting.actor, auth: acting.auth, time: now() });
    if (!(await appendOr503(deps.eventLog, [event], reply))) {
      await deps.keys.unrevoke(key.id);
      return reply;
    }
    return { key: { ...key, revoked: now().toISOString() } };
  });
}
