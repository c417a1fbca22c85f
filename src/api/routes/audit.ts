import type { FastifyInstance } from 'fastify';
import type { AuditEntry, AuditQuery } from '../../replay/audit.ts';
import { sendError } from '../../http/errors.ts';

const DAY_MS = 86_400_000;
/** The widest window one request reads: the log is read from the window's start. */
const MAX_WINDOW_MS = 31 * DAY_MS;

export interface AuditDeps {
  read(q: AuditQuery): Promise<{ entries: AuditEntry[]; scanned: number; truncated: boolean }>;
  now?: () => Date;
}

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    person: { type: 'string', minLength: 1, maxLength: 256 },
    conversation: { type: 'string', minLength: 1, maxLength: 128 },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

/**
 * `GET /v1/audit` (`audit:read`): who did what and when, read from the event log: every action a
 * person or an integration took through the API, and every change to who may do what. Filter by
 * `person` (account, API key or agent id), `conversation`, and `from`/`to` (RFC 3339; the last 24
 * hours by default, 31 days at most). Newest first.
 */
export function auditRoutes(app: FastifyInstance, deps: AuditDeps): void {
  const now = deps.now ?? (() => new Date());
  app.get<{ Querystring: { person?: string; conversation?: string; from?: string; to?: string; limit: number } }>(
    '/v1/audit',
    { schema: { querystring }, config: { access: 'audit:read' } },
    async (request, reply) => {
      const q = request.query;
      const to = q.to ? Date.parse(q.to) : now().getTime();
      const from = q.from ? Date.parse(q.from) : to - DAY_MS;
      if (!(from < to)) return sendError(reply, 400, 'bad_window', '"from" must be before "to"');
      if (to - from > MAX_WINDOW_MS) return sendError(reply, 400, 'window_too_large', 'the window is 31 days at most; narrow "from" and "to"');
      const result = await deps.read({ tenant: request.tenant, from, to, limit: q.limit, ...(q.person ? { person: q.person } : {}), ...(q.conversation ? { conversation: q.conversation } : {}) });
      return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...result };
    },
  );
}
