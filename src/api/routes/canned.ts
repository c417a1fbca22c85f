import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { accountChangedEvent, type AccountChange } from '../../accounts/audit.ts';
import type { CannedFields, CannedRefusal, CannedStore } from '../../canned/store.ts';
import { PLACEHOLDERS, unknownPlaceholders } from '../../domain/canned/render.ts';
import { sendError } from '../../http/errors.ts';
import { namingSchemaErrors } from '../../http/schema-errors.ts';
import type { EventLog } from '../../log/event-log.ts';
import { actingAs, principalOf } from '../access.ts';
import { appendOr503 } from '../actions/append.ts';

export interface CannedDeps {
  canned: CannedStore;
  eventLog: EventLog;
  now?: () => Date;
}

const shortcut = { type: 'string', minLength: 1, maxLength: 32, pattern: '^[a-z0-9_-]+$' } as const;
const title = { type: 'string', minLength: 1, maxLength: 100, pattern: '^(?!\\s*$)[^\\u0000-\\u001f\\u007f]+$' } as const;
// Line breaks and tabs are a reply's own; other control characters are nobody's.
const text = { type: 'string', minLength: 1, maxLength: 4000, pattern: '^(?!\\s*$)[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]+$' } as const;

const schemaErrorFormatter = namingSchemaErrors({
  shortcut: 'must be letters a–z, digits, "-" or "_" only (lowercase, no spaces, no leading "/")',
  title: 'must not be blank or hold control characters',
  text: 'must not be blank or hold control characters other than line breaks and tabs',
});

const createSchema = {
  body: { type: 'object', required: ['shortcut', 'title', 'text'], additionalProperties: false, properties: { shortcut, title, text } },
} as const;
const changeSchema = {
  body: { type: 'object', minProperties: 1, additionalProperties: false, properties: { shortcut, title, text } },
} as const;

const STATUS: Record<CannedRefusal['code'], number> = { shortcut_taken: 409, limit_reached: 409, not_found: 404 };
const refuse = (reply: FastifyReply, refusal: CannedRefusal) => sendError(reply, STATUS[refusal.code], refusal.code, refusal.message);

/** A text naming a placeholder the renderer does not know is refused, so an admin's typo shows now, not in a customer's inbox. */
function placeholderProblem(reply: FastifyReply, value: string | undefined): FastifyReply | null {
  const unknown = value === undefined ? [] : unknownPlaceholders(value);
  if (unknown.length === 0) return null;
  const known = PLACEHOLDERS.map((p) => `{{${p}}}`);
  const message = `text has ${unknown.length === 1 ? 'an unknown placeholder' : 'unknown placeholders'} ${unknown.join(', ')}; the placeholders are ${known.slice(0, -1).join(', ')} and ${known.at(-1)}`;
  return sendError(reply, 400, 'unknown_placeholder', message, { placeholders: unknown });
}

/** Who last changed a response: the signed-in person's account, or the API key. */
function changedBy(request: FastifyRequest): string {
  const principal = principalOf(request);
  return principal.kind === 'person' ? principal.account : principal.key;
}

/**
 * The tenant's canned responses: saved replies agents insert by their shortcut. Listed for anyone who
 * acts on conversations (`conversations:act`); created, changed and deleted by admins
 * (`settings:admin`), each change an `account.changed` audit event (ids and the shortcut, never the
 * text); should the log not take it, the change is undone and the answer is 503.
 */
export function cannedRoutes(app: FastifyInstance, deps: CannedDeps): void {
  const now = deps.now ?? (() => new Date());
  const admin = { access: 'settings:admin' } as const;

  /** Appends the audit event, or undoes the change and answers 503. */
  const audited = async (request: FastifyRequest, reply: FastifyReply, change: AccountChange, undo: () => Promise<void>): Promise<boolean> => {
    const acting = actingAs(request, reply, undefined);
    if (!acting.ok) {
      await undo();
      return false;
    }
    const event = accountChangedEvent({ tenant: request.tenant, change, by: acting.actor, auth: acting.auth, time: now() });
    if (await appendOr503(deps.eventLog, [event], reply)) return true;
    await undo();
    return false;
  };

  app.get('/v1/canned-responses', { config: { access: 'conversations:act' } }, async (request) => ({ responses: await deps.canned.list(request.tenant) }));

  app.post<{ Body: CannedFields }>('/v1/canned-responses', { schema: createSchema, schemaErrorFormatter, config: admin }, async (request, reply) => {
    const { shortcut, title, text } = request.body;
    if (placeholderProblem(reply, text)) return reply;
    const created = await deps.canned.create(request.tenant, { shortcut, title, text }, changedBy(request));
    if (!created.ok) return refuse(reply, created.refusal);
    const response = created.value;
    const change: AccountChange = { subject: { kind: 'canned_response', id: response.id }, change: 'created', shortcut: response.shortcut };
    if (!(await audited(request, reply, change, () => deps.canned.remove(request.tenant, response.id)))) return reply;
    return reply.code(201).send({ response });
  });

  app.patch<{ Params: { id: string }; Body: Partial<CannedFields> }>('/v1/canned-responses/:id', { schema: changeSchema, schemaErrorFormatter, config: admin }, async (request, reply) => {
    if (placeholderProblem(reply, request.body.text)) return reply;
    const existing = await deps.canned.get(request.tenant, request.params.id);
    if (!existing) return sendError(reply, 404, 'not_found', 'canned response not found');
    // Only what differs is written (and audited): the same values again change nothing, not even who changed it last.
    const fields = (['shortcut', 'title', 'text'] as const).filter((f) => request.body[f] !== undefined && request.body[f] !== existing[f]);
    if (fields.length === 0) return { response: existing };
    const updated = await deps.canned.update(request.tenant, existing.id, Object.fromEntries(fields.map((f) => [f, request.body[f]])), changedBy(request));
    if (!updated.ok) return refuse(reply, updated.refusal);
    const { before, after } = updated.value;
    const change: AccountChange = { subject: { kind: 'canned_response', id: after.id }, change: 'updated', shortcut: after.shortcut, fields };
    if (!(await audited(request, reply, change, () => deps.canned.restore(request.tenant, before)))) return reply;
    return { response: after };
  });

  app.delete<{ Params: { id: string } }>('/v1/canned-responses/:id', { config: admin }, async (request, reply) => {
    const deleted = await deps.canned.delete(request.tenant, request.params.id);
    if (!deleted.ok) return refuse(reply, deleted.refusal);
    const before = deleted.value;
    const change: AccountChange = { subject: { kind: 'canned_response', id: before.id }, change: 'deleted', shortcut: before.shortcut };
    if (!(await audited(request, reply, change, () => deps.canned.restore(request.tenant, before)))) return reply;
    return reply.code(204).send();
  });
}
