/**
 * What the OpenAPI document says of each route beyond what the route itself declares. The route
 * declares its access (`config.access`) and the JSON Schema fastify validates its input with; both
 * are read from the route as registered (openapi.ts). This table adds, per `METHOD /path` as
 * fastify has it: a summary and a group (tag), the refusals of the route's own logic (409, 422, a
 * route's own 400, 403 and 404 codes), its success answer, and, for a door that reads its body
 * itself (no fastify body schema), that body. The refusals every route of a kind gives (401/403 of
 * the auth hook, 400 of validation, 408/413/415 of a body, 429 of a throttle, 503 of a timeout) are
 * derived from the route in openapi.ts and not repeated here.
 *
 * A route without an entry is still in the document, and tests/unit/api/openapi.unit.spec.ts fails
 * on it: a route added to the API is described here.
 */
import { chatMessageBody } from '../../channels/chat/body.ts';
import { z } from 'zod';

type Schema = Record<string, unknown>;

export const TAGS = [
  { name: 'session', description: 'Signing in and out; who is signed in; one’s own password and preferences.' },
  { name: 'conversations', description: 'Conversations, their transcripts and files, and what agents do to them.' },
  { name: 'customers', description: 'Customers across channels; merging two into one.' },
  { name: 'agents', description: 'Agents’ presence, seats and the conversations they hold.' },
  { name: 'queues', description: 'Teams’ queues of conversations waiting for an agent.' },
  { name: 'kpis', description: 'The supervisors’ board: the KPI report and the conversations behind a figure.' },
  { name: 'stream', description: 'What the live fold commits, as it happens.' },
  { name: 'events', description: 'Publishing events to the log (channel adapters).' },
  { name: 'people', description: 'The workspace’s people (admins).' },
  { name: 'api-keys', description: 'The workspace’s API keys (admins).' },
  { name: 'canned-responses', description: 'Saved replies.' },
  { name: 'settings', description: 'The workspace’s settings and audit trail.' },
  { name: 'chat', description: 'The web-chat widget’s doors (a public widget key, not a principal).' },
  { name: 'webhooks', description: 'Providers’ callbacks, each checked by the provider’s own signature or password. Not JSON: each takes its provider’s format.' },
  { name: 'links', description: 'Signed links sent to customers and providers (survey answers, media).' },
  { name: 'console', description: 'The web console’s pages and files (static; no data).' },
  { name: 'health', description: 'Probes.' },
] as const;

export type Tag = (typeof TAGS)[number]['name'];

/** Refusal statuses a route's own logic adds, with the `error` codes it answers under each. */
export type RouteErrors = Partial<Record<400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503, readonly string[]>>;

export interface Success {
  status: number;
  description: string;
  /** A JSON answer's schema (components in schemas.ts by `$ref`); none for an empty answer. */
  schema?: Schema;
  /** An answer that is not JSON: media type -> schema. */
  content?: Record<string, Schema>;
}

export interface Operation {
  summary: string;
  tag: Tag;
  description?: string;
  errors?: RouteErrors;
  ok: Success;
  /** The body of a route that reads it itself (fastify validates none): media type -> schema. */
  body?: Record<string, Schema>;
  /** The query of a route that reads it itself. */
  query?: Record<string, Schema & { required?: boolean; description?: string }>;
  /** Request headers the route reads, beyond the credentials. */
  headers?: Record<string, { description: string; schema: Schema }>;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const list = (field: string, item: string, more: Record<string, unknown> = {}) => ({
  type: 'object',
  required: [field, ...Object.keys(more)],
  properties: { ...more, [field]: { type: 'array', items: ref(item) } },
  additionalProperties: true,
});
const wrap = (field: string, item: string) => ({ type: 'object', required: [field], properties: { [field]: ref(item) }, additionalProperties: true });
const accepted: Success = { status: 202, description: 'Appended to the log (Kafka acknowledged).', schema: ref('Accepted') };
const noContent = (description: string): Success => ({ status: 204, description });
const html = { 'text/html': { type: 'string' } };
const bytes = { 'application/octet-stream': { type: 'string', format: 'binary', description: 'The file, with its own Content-Type and Content-Disposition.' } };

/** The refusals every conversation action shares beyond its own (src/api/access.ts, mayHandle; src/api/actions/idempotency.ts). */
const conversationAction = (errors: RouteErrors = {}): RouteErrors => ({
  ...errors,
  400: ['bad_request', ...(errors[400] ?? [])],
  403: ['not_your_conversation', 'not_yourself', ...(errors[403] ?? [])],
  404: ['not_found', ...(errors[404] ?? [])],
});

const idempotency = {
  'Idempotency-Key': {
    description: 'Makes the event id deterministic (scoped by action and conversation or agent): a retried request is the same event, answered 202 again.',
    schema: { type: 'string', minLength: 1, maxLength: 256 },
  },
};

const action = (summary: string, description: string, errors: RouteErrors = {}): Operation => ({
  summary,
  tag: 'conversations',
  description,
  errors: conversationAction(errors),
  headers: idempotency,
  ok: accepted,
});

const envelope = {
  type: 'object',
  description: 'A CloudEvents 1.0 envelope of a type in the catalogue: events/schema/<type>.schema.json has each, events/README.md the rules.',
  required: ['specversion', 'id', 'source', 'type', 'time', 'tenant', 'customer', 'data'],
  additionalProperties: true,
  properties: {
    specversion: { const: '1.0' },
    id: { type: 'string' },
    source: { type: 'string' },
    type: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    tenant: { type: 'string' },
    customer: { type: 'string' },
    conversation: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
  },
};

/** Every documented route, by `METHOD /path` as fastify registers it. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  'GET /healthz': {
    summary: 'Liveness: the process serves',
    tag: 'health',
    description: 'Asks nothing of Redis or Kafka, so an outage of theirs never gets the api restarted.',
    ok: { status: 200, description: 'Alive.', schema: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } }, additionalProperties: true } },
  },
  'GET /readyz': {
    summary: 'Readiness: Redis and Kafka answer',
    tag: 'health',
    description: 'The load balancer’s probe.',
    errors: { 503: ['unready'] },
    ok: {
      status: 200,
      description: 'Ready; each check’s outcome. 503 `unready` names the failed ones (`failed`, `checks`).',
      schema: { type: 'object', required: ['status', 'checks'], properties: { status: { const: 'ready' }, checks: { type: 'object', additionalProperties: { type: 'string' } } }, additionalProperties: true },
    },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics',
    tag: 'health',
    description: 'With `metrics.token` set, only with `Authorization: Bearer <token>`.',
    errors: { 401: ['unauthorized'] },
    ok: { status: 200, description: 'Prometheus’ text format.', content: { 'text/plain': { type: 'string' } } },
  },

  // The console: static pages and files.
  'GET /': { summary: 'The console', tag: 'console', errors: { 503: ['console_not_built'] }, ok: { status: 200, description: 'The console’s index.html.', content: html } },
  'GET /sign-in': { summary: 'The console: sign-in page', tag: 'console', errors: { 503: ['console_not_built'] }, ok: { status: 200, description: 'The console’s index.html.', content: html } },
  'GET /conversations/:id': { summary: 'The console: a conversation', tag: 'console', errors: { 503: ['console_not_built'] }, ok: { status: 200, description: 'The console’s index.html.', content: html } },
  'GET /board': { summary: 'The console: the supervisors’ board', tag: 'console', errors: { 503: ['console_not_built'] }, ok: { status: 200, description: 'The console’s index.html.', content: html } },
  'GET /canned-responses': { summary: 'The console: canned responses', tag: 'console', errors: { 503: ['console_not_built'] }, ok: { status: 200, description: 'The console’s index.html.', content: html } },
  'GET /profile': { summary: 'The console: one’s profile', tag: 'console', errors: { 503: ['console_not_built'] }, ok: { status: 200, description: 'The console’s index.html.', content: html } },
  'GET /assets/*': {
    summary: 'The console’s bundles (hashed names, cached for good)',
    tag: 'console',
    errors: { 404: ['not_found'] },
    ok: { status: 200, description: 'A file of the build.', content: { 'application/octet-stream': { type: 'string', format: 'binary' } } },
  },
  'GET /favicon.svg': { summary: 'The console’s icon', tag: 'console', errors: { 404: ['not_found'] }, ok: { status: 200, description: 'The icon.', content: { 'image/svg+xml': { type: 'string' } } } },

  // Signed links.
  'GET /v1/surveys/answer': {
    summary: 'A customer’s survey score, from an e-mail link',
    tag: 'links',
    description: 'The token is signed by the workflow that sent the invitation. The first answer counts; a second click changes nothing.',
    query: { t: { type: 'string', required: true, description: 'The signed survey token.' }, score: { type: 'string', required: true, description: 'CSAT 1–5, NPS 0–10.' } },
    errors: { 400: ['bad_survey_link', 'bad_score'] },
    ok: { status: 200, description: 'A thank-you page.', content: html },
  },
  'GET /media/:key/:filename': {
    summary: 'A file an agent sent, for providers and chat visitors',
    tag: 'links',
    description: 'Links the outbound connectors sign (HMAC-SHA256 with `http.linkSecret` over key, name, type and expiry), valid 7 days.',
    query: {
      t: { type: 'string', required: true, description: 'The content type.' },
      e: { type: 'string', required: true, description: 'Expiry (Unix seconds).' },
      s: { type: 'string', required: true, description: 'The signature.' },
    },
    errors: { 403: ['link_unsigned', 'link_invalid', 'link_expired'], 404: ['not_found'] },
    ok: { status: 200, description: 'The bytes, with their type and Content-Disposition (inline for pictures, audio, video and PDF).', content: bytes },
  },

  // Session.
  'POST /v1/session': {
    summary: 'Sign in',
    tag: 'session',
    description: 'Sets the `cs_session` cookie. A wrong e-mail and a wrong password are answered alike; throttled per account and per address.',
    errors: { 401: ['invalid_credentials'], 403: ['account_disabled'], 429: ['too_many_failures', 'too_many_requests'] },
    ok: { status: 200, description: 'Signed in: the session cookie is set.', schema: wrap('account', 'Account') },
  },
  'GET /v1/session': {
    summary: 'Who is signed in, and what they may do',
    tag: 'session',
    ok: {
      status: 200,
      description: 'The principal, its permissions, and for a person the account and their teams.',
      schema: {
        type: 'object',
        required: ['principal', 'permissions'],
        properties: { principal: ref('Principal'), permissions: { type: 'array', items: { type: 'string' } }, account: ref('Account'), teams: { type: 'array', items: { type: 'string' } } },
        additionalProperties: true,
      },
    },
  },
  'DELETE /v1/session': { summary: 'Sign out', tag: 'session', ok: noContent('Signed out: the session is revoked.') },
  'POST /v1/session/password': {
    summary: 'Change one’s own password',
    tag: 'session',
    description: 'Every other session of the person ends.',
    errors: { 400: ['not_a_person', 'weak_password'], 403: ['invalid_credentials'], 503: ['log_unavailable'] },
    ok: noContent('Changed.'),
  },
  'PATCH /v1/session/preferences': {
    summary: 'Set one’s own console language and time zone',
    tag: 'session',
    errors: { 400: ['not_a_person', 'invalid_time_zone'], 503: ['log_unavailable'] },
    ok: { status: 200, description: 'The account as changed.', schema: wrap('account', 'Account') },
  },

  // People.
  'GET /v1/users': { summary: 'The workspace’s people', tag: 'people', ok: { status: 200, description: 'Oldest first; never a password.', schema: list('users', 'Account') } },
  'GET /v1/users/:id': { summary: 'One person', tag: 'people', errors: { 404: ['not_found'] }, ok: { status: 200, description: 'The person.', schema: wrap('user', 'Account') } },
  'POST /v1/users': {
    summary: 'Add a person',
    tag: 'people',
    errors: { 400: ['invalid_email', 'weak_password', 'invalid_time_zone'], 409: ['email_taken'], 422: ['unknown_agent'], 503: ['log_unavailable'] },
    ok: { status: 201, description: 'Added.', schema: wrap('user', 'Account') },
  },
  'PATCH /v1/users/:id': {
    summary: 'Change a person',
    tag: 'people',
    description: 'Disabling a person ends their sessions. Nobody changes their own role or disabled flag.',
    errors: { 400: ['invalid_time_zone'], 404: ['not_found'], 409: ['own_access'], 422: ['unknown_agent'], 503: ['log_unavailable'] },
    ok: { status: 200, description: 'The person as changed.', schema: wrap('user', 'Account') },
  },
  'POST /v1/users/:id/password': {
    summary: 'Reset a person’s password',
    tag: 'people',
    description: 'Their sessions end.',
    errors: { 400: ['weak_password'], 404: ['not_found'], 503: ['log_unavailable'] },
    ok: noContent('Reset.'),
  },

  // API keys.
  'GET /v1/api-keys': { summary: 'The workspace’s API keys', tag: 'api-keys', ok: { status: 200, description: 'With scopes and last use; never the secret.', schema: list('keys', 'ApiKey') } },
  'POST /v1/api-keys': {
    summary: 'Create an API key',
    tag: 'api-keys',
    errors: { 503: ['log_unavailable'] },
    ok: {
      status: 201,
      description: 'The key, and its token: in this answer only.',
      schema: { type: 'object', required: ['key', 'token'], properties: { key: ref('ApiKey'), token: { type: 'string', description: '`csk_<id>_<secret>`' } }, additionalProperties: true },
    },
  },
  'DELETE /v1/api-keys/:id': {
    summary: 'Revoke an API key',
    tag: 'api-keys',
    errors: { 404: ['not_found'], 503: ['log_unavailable'] },
    ok: { status: 200, description: 'The key, revoked (revoking it again answers the same).', schema: wrap('key', 'ApiKey') },
  },

  // Canned responses.
  'GET /v1/canned-responses': { summary: 'The workspace’s canned responses', tag: 'canned-responses', ok: { status: 200, description: 'By shortcut.', schema: list('responses', 'CannedResponse') } },
  'POST /v1/canned-responses': {
    summary: 'Create a canned response',
    tag: 'canned-responses',
    errors: { 400: ['unknown_placeholder'], 409: ['shortcut_taken', 'limit_reached'], 503: ['log_unavailable'] },
    ok: { status: 201, description: 'Created.', schema: wrap('response', 'CannedResponse') },
  },
  'PATCH /v1/canned-responses/:id': {
    summary: 'Change a canned response',
    tag: 'canned-responses',
    errors: { 400: ['unknown_placeholder'], 404: ['not_found'], 409: ['shortcut_taken'], 503: ['log_unavailable'] },
    ok: { status: 200, description: 'As changed.', schema: wrap('response', 'CannedResponse') },
  },
  'DELETE /v1/canned-responses/:id': {
    summary: 'Delete a canned response',
    tag: 'canned-responses',
    errors: { 404: ['not_found'], 503: ['log_unavailable'] },
    ok: noContent('Deleted.'),
  },

  // Settings and audit.
  'GET /v1/settings': {
    summary: 'The workspace’s workflow settings, as the engine runs them',
    tag: 'settings',
    ok: {
      status: 200,
      description: 'Teams, agents, triage, SLA, calendars, surveys, bot; defaults filled in (src/tenants/settings.ts).',
      schema: { type: 'object', required: ['tenant', 'settings'], properties: { tenant: { type: 'string' }, settings: { type: 'object', additionalProperties: true } }, additionalProperties: true },
    },
  },
  'GET /v1/audit': {
    summary: 'Who did what, read from the log',
    tag: 'settings',
    description: 'The last 24 h by default, 31 days at most; newest first.',
    errors: { 400: ['bad_window', 'window_too_large'] },
    ok: {
      status: 200,
      description: 'The entries of the window.',
      schema: list('entries', 'AuditEntry', { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, scanned: { type: 'integer' }, truncated: { type: 'boolean' } }),
    },
  },

  // The live feed.
  'GET /v1/stream': {
    summary: 'What the live fold commits for the workspace',
    tag: 'stream',
    headers: { 'Last-Event-ID': { description: 'The cursor a reconnecting event stream resumes after.', schema: { type: 'string' } } },
    description:
      'With `Accept: text/event-stream`: server-sent events, one `change` per commit (`id` the cursor; a reconnect with `Last-Event-ID` gets what it missed, or a `reload` event). Otherwise once, as JSON: the changes after `?after=`.',
    ok: {
      status: 200,
      description: 'The changes (JSON), or the event stream.',
      content: {
        'application/json': {
          type: 'object',
          required: ['cursor', 'changes'],
          properties: { cursor: { type: 'string' }, reload: { type: 'boolean' }, changes: { type: 'array', items: ref('Change') } },
          additionalProperties: true,
        },
        'text/event-stream': { type: 'string' },
      },
    },
  },

  // Reads.
  'GET /v1/customers/:id': {
    summary: 'A customer across channels',
    tag: 'customers',
    description: 'Profile, conversations and timeline; merged customers as one.',
    errors: { 403: ['not_your_customer'], 404: ['not_found'] },
    ok: { status: 200, description: 'The customer’s view.', schema: ref('CustomerView') },
  },
  'GET /v1/customers/:id/export': {
    summary: 'Everything of one person (right of access)',
    tag: 'customers',
    description:
      'The customer records (the one asked for and every customer merged with it), conversations with transcripts, delivery states and files, and every event of theirs on the log, as JSON; `?format=zip` gives a zip of `export.json` and the files’ bytes (`files/<key>`).',
    errors: { 404: ['not_found'] },
    ok: {
      status: 200,
      description: 'The export: JSON (`cs-subject-access/1`), or a zip with `?format=zip`.',
      content: { 'application/json': { type: 'object', required: ['format', 'customer', 'people', 'events'], additionalProperties: true }, 'application/zip': { type: 'string', format: 'binary' } },
    },
  },
  'POST /v1/customers/:id/erase': {
    summary: 'Erase a customer (right to be forgotten)',
    tag: 'customers',
    description:
      'Appends `customer.erased`, then deletes what names the person beside the log (identity and thread indexes, delivery records, the files they sent) and destroys their data keys and those of the customers merged with them: every sealed field of their events (texts, subjects, handles, file names) reads `[erased]` from then on, in the API, a rebuild and an export. Conversations stay as anonymous facts, so KPIs do not change. A handle seen again is a new customer. Calling it again answers the same outcome (`again: true`) and finishes an erasure a first call left half-way.',
    errors: { 404: ['not_found'], 409: ['erasure_unavailable'] },
    ok: {
      status: 200,
      description: 'What was erased.',
      schema: {
        type: 'object',
        required: ['customer', 'people', 'eventId', 'keysDestroyed', 'indexEntriesDeleted', 'filesDeleted', 'erasedAt', 'again'],
        properties: {
          customer: { type: 'string' },
          people: { type: 'array', items: { type: 'string' } },
          eventId: { type: 'string' },
          keysDestroyed: { type: 'integer' },
          indexEntriesDeleted: { type: 'integer' },
          filesDeleted: { type: 'integer' },
          erasedAt: { type: 'string', format: 'date-time' },
          again: { type: 'boolean' },
        },
      },
    },
  },
  'GET /v1/customers': {
    summary: 'Find a customer by handle',
    tag: 'customers',
    description: 'By e-mail address, phone number or social handle.',
    errors: { 400: ['bad_request'], 403: ['not_your_customer'], 404: ['not_found'], 409: ['ambiguous_handle'] },
    ok: { status: 200, description: 'The customer’s view.', schema: ref('CustomerView') },
  },
  'GET /v1/conversations/:id': {
    summary: 'A conversation and its transcript',
    tag: 'conversations',
    errors: { 403: ['not_your_conversation'], 404: ['not_found'] },
    ok: {
      status: 200,
      description: 'The conversation, and its latest lines oldest first; each message we sent with its `delivery` once reported.',
      schema: { type: 'object', required: ['conversation', 'transcript'], properties: { conversation: ref('Conversation'), transcript: { type: 'array', items: ref('TranscriptLine') } }, additionalProperties: true },
    },
  },
  'GET /v1/conversations/:id/attachments/:key': {
    summary: 'A file of a conversation',
    tag: 'conversations',
    errors: { 403: ['not_your_conversation'], 404: ['not_found'] },
    ok: { status: 200, description: 'The bytes.', content: bytes },
  },
  'GET /v1/queues/:team': {
    summary: 'A team’s queue',
    tag: 'queues',
    description: 'Open, unassigned conversations, most urgent first.',
    errors: { 403: ['not_your_team'] },
    ok: { status: 200, description: 'The queue.', schema: list('conversations', 'ConversationSummary', { team: { type: 'string' } }) },
  },
  'GET /v1/kpis': {
    summary: 'The KPI report of the workspace',
    tag: 'kpis',
    errors: { 400: ['unknown_dimension'] },
    ok: { status: 200, description: 'The report (docs/metrics.md).', schema: ref('KpiReport') },
  },
  'GET /v1/kpis/conversations': {
    summary: 'The conversations behind one figure of the report',
    tag: 'kpis',
    errors: { 400: ['unknown_figure', 'invalid_group'] },
    ok: {
      status: 200,
      description: 'The figure’s number and the conversations counted in it.',
      schema: {
        type: 'object',
        required: ['figure', 'group', 'number', 'total', 'valueField', 'conversations'],
        properties: {
          figure: { type: 'string' },
          group: { anyOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }] },
          number: {},
          total: { type: 'integer' },
          valueField: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          conversations: { type: 'array', items: { allOf: [ref('ConversationSummary'), { type: 'object', required: ['counted'], properties: { counted: { type: 'integer' } }, additionalProperties: true }] } },
        },
        additionalProperties: true,
      },
    },
  },

  // Agents.
  'GET /v1/agents': { summary: 'The agents’ board', tag: 'agents', ok: { status: 200, description: 'Every configured agent with presence, seats and load.', schema: { type: 'array', items: ref('Agent') } } },
  'GET /v1/agents/:id': {
    summary: 'One agent’s presence, seats and load',
    tag: 'agents',
    description: 'An agent reads their own; anyone’s needs `presence:read`.',
    errors: { 403: ['not_yourself'], 404: ['not_found'] },
    ok: { status: 200, description: 'The agent.', schema: ref('Agent') },
  },
  'GET /v1/agents/:id/conversations': {
    summary: 'What an agent holds',
    tag: 'agents',
    description: 'An agent reads their own; anyone’s needs `presence:read`. Oldest first.',
    errors: { 403: ['not_yourself'], 404: ['not_found'] },
    ok: {
      status: 200,
      description: 'The open and pending conversations the agent holds, each with the seat (channel) it takes.',
      schema: {
        type: 'object',
        required: ['agent', 'conversations'],
        properties: { agent: { type: 'string' }, conversations: { type: 'array', items: { allOf: [ref('ConversationSummary'), { type: 'object', required: ['seat'], properties: { seat: { type: 'string' } }, additionalProperties: true }] } } },
        additionalProperties: true,
      },
    },
  },
  'PUT /v1/agents/:id/status': {
    summary: 'An agent’s presence and seats',
    tag: 'agents',
    description: 'An agent sets their own.',
    headers: idempotency,
    errors: { 400: ['bad_request'], 403: ['not_yourself'], 404: ['not_found'], 503: ['log_unavailable'] },
    ok: accepted,
  },

  // Actions.
  'POST /v1/conversations/:id/messages': {
    ...action('Reply to the customer', 'A `message.sent` to the customer’s latest identity, or to `to`, with the files uploaded beforehand.', {
      403: ['not_yourself'],
      409: ['conversation_resolved', 'no_reply_address', 'customer_erased'],
      422: ['unknown_identity', 'unknown_attachment', 'attachment_refused'],
      503: ['log_unavailable'],
    }),
    ok: {
      status: 202,
      description: 'Appended to the log (Kafka acknowledged).',
      schema: { type: 'object', required: ['messageId', 'eventId'], properties: { messageId: { type: 'string' }, eventId: { type: 'string' } }, additionalProperties: true },
    },
  },
  'POST /v1/conversations/:id/notes': {
    ...action('Add an internal note', 'A `message.sent` with `internal: true`: never delivered; allowed on resolved conversations.', { 503: ['log_unavailable'] }),
    ok: {
      status: 202,
      description: 'Appended to the log (Kafka acknowledged).',
      schema: { type: 'object', required: ['messageId', 'eventId'], properties: { messageId: { type: 'string' }, eventId: { type: 'string' } }, additionalProperties: true },
    },
  },
  'POST /v1/conversations/:id/assign': action('Assign a conversation', '`conversation.assigned`; an agent may only take it themselves.', {
    409: ['conversation_resolved', 'already_assigned'],
    422: ['unknown_agent'],
    503: ['log_unavailable'],
  }),
  'POST /v1/conversations/:id/transfer': action('Transfer a conversation to an agent or a team', '`conversation.transferred`.', {
    409: ['conversation_resolved', 'no_change'],
    422: ['unknown_agent', 'unknown_team', 'agent_not_in_team'],
    503: ['log_unavailable'],
  }),
  'POST /v1/conversations/:id/resolve': action('Resolve a conversation', '`conversation.resolved`.', { 409: ['already_resolved'], 503: ['log_unavailable'] }),
  'POST /v1/conversations/:id/reopen': action('Reopen a conversation', '`conversation.reopened`.', { 409: ['not_resolved', 'customer_has_open_conversation'], 503: ['log_unavailable'] }),
  'POST /v1/conversations/:id/priority': action('Change a conversation’s priority', '`conversation.priority_changed`.', { 409: ['conversation_resolved', 'same_priority'], 503: ['log_unavailable'] }),
  'POST /v1/customers/:id/merge': {
    summary: 'Merge two customers into one',
    tag: 'customers',
    description: '`customer.merged` on both customers; the absorbed one’s identities lead to the survivor. Event ids derive from the pair: a retry is the same two events.',
    errors: { 404: ['not_found'], 409: ['same_customer', 'survivor_merged', 'already_merged'], 503: ['log_unavailable'] },
    ok: {
      status: 202,
      description: 'Appended to the log (Kafka acknowledged).',
      schema: {
        type: 'object',
        required: ['survivor', 'absorbed', 'eventIds', 'repointed'],
        properties: { survivor: { type: 'string' }, absorbed: { type: 'string' }, eventIds: { type: 'array', items: { type: 'string' } }, repointed: { type: 'integer' } },
        additionalProperties: true,
      },
    },
  },
  'POST /v1/attachments': {
    summary: 'Upload a file for a reply',
    tag: 'conversations',
    description: 'One file part, up to `channels.attachments.maxBytes` (10 MiB by default). The key is the SHA-256 of the bytes; a reply names it.',
    body: { 'multipart/form-data': { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } },
    errors: { 400: ['no_file', 'empty_file', 'one_file_only', 'malformed_multipart'], 413: ['file_too_large'], 415: ['not_multipart'] },
    ok: {
      status: 201,
      description: 'Stored.',
      schema: {
        type: 'object',
        required: ['key', 'filename', 'contentType', 'size'],
        properties: { key: { type: 'string' }, filename: { type: 'string' }, contentType: { type: 'string' }, size: { type: 'integer' } },
        additionalProperties: true,
      },
    },
  },

  // Events.
  'POST /v1/events': {
    summary: 'Publish events',
    tag: 'events',
    description:
      'One envelope (JSON, or a structured CloudEvent) or an NDJSON batch: all or nothing. 202 once Kafka acknowledged; an event id the workspace already has is not appended again (listed under `duplicates`).',
    body: {
      'application/json': envelope,
      'application/cloudevents+json': envelope,
      'application/x-ndjson': { type: 'string', description: 'One envelope per line.' },
    },
    errors: { 400: ['no_events', 'invalid_events', 'invalid_encoding', 'too_deep', 'forbidden_key'], 413: ['event_too_large'], 415: ['unsupported_charset'], 503: ['log_unavailable', 'in_progress'] },
    ok: {
      status: 202,
      description: 'Appended to the log.',
      schema: {
        type: 'object',
        required: ['accepted', 'ids'],
        properties: { accepted: { type: 'integer' }, ids: { type: 'array', items: { type: 'string' } }, duplicates: { type: 'array', items: { type: 'string' } } },
        additionalProperties: true,
      },
    },
  },

  // Chat.
  'OPTIONS /v1/chat/messages': { summary: 'CORS preflight of the chat widget', tag: 'chat', ok: noContent('Any origin may post.') },
  'POST /v1/chat/messages': {
    summary: 'A visitor’s chat message',
    tag: 'chat',
    description: 'From the widget on the workspace’s site: any origin; `text/plain` too (no preflight). Replies come over the WebSocket.',
    body: { 'application/json': chatBodySchema(), 'text/plain': chatBodySchema() },
    errors: { 400: ['invalid_json', 'invalid_body', 'invalid_message', 'invalid_encoding', 'too_deep'], 403: ['unknown_widget'], 413: ['message_too_large'], 503: ['log_unavailable', 'in_progress'] },
    ok: {
      status: 202,
      description: 'Taken.',
      schema: { type: 'object', required: ['status', 'eventId'], properties: { status: { type: 'string' }, eventId: { type: 'string' } }, additionalProperties: true },
    },
  },
  'GET /v1/chat/ws': {
    summary: 'The chat widget’s WebSocket',
    tag: 'chat',
    description: 'The visitor receives replies here (frames up to 16 KiB). A plain GET is answered 426.',
    query: {
      widgetKey: { type: 'string', required: true, description: 'The widget’s public key.' },
      visitorToken: { type: 'string', required: true, description: 'The visitor (16–128 letters, digits, ".", "_" or "-").' },
    },
    errors: { 400: ['bad_request', 'bad_upgrade'], 403: ['unknown_widget'] },
    ok: { status: 101, description: 'Switched to the WebSocket protocol (426 `upgrade_required` without an upgrade).' },
  },

  // Providers' webhooks.
  'POST /webhooks/twilio/sms': {
    summary: 'Twilio: an inbound SMS/MMS (or a status callback)',
    tag: 'webhooks',
    description: 'Signed with `X-Twilio-Signature` over `channels.publicUrl`.',
    body: { 'application/x-www-form-urlencoded': { type: 'object', additionalProperties: true } },
    errors: { 400: ['invalid_encoding', 'invalid_message', 'invalid_status'], 403: ['unknown_account', 'invalid_signature'], 413: ['message_too_large'], 415: ['unsupported_charset'], 503: ['log_unavailable', 'in_progress'] },
    ok: { status: 200, description: 'Taken: an empty TwiML answer.', content: { 'text/xml': { type: 'string' } } },
  },
  'POST /webhooks/twilio/status': {
    summary: 'Twilio: a message status callback',
    tag: 'webhooks',
    description: 'Signed with `X-Twilio-Signature` over `channels.publicUrl`.',
    body: { 'application/x-www-form-urlencoded': { type: 'object', additionalProperties: true } },
    errors: { 400: ['invalid_encoding', 'invalid_status'], 403: ['unknown_account', 'invalid_signature'], 415: ['unsupported_charset'], 503: ['log_unavailable', 'in_progress'] },
    ok: { status: 200, description: 'Taken: an empty TwiML answer.', content: { 'text/xml': { type: 'string' } } },
  },
  'GET /webhooks/meta': {
    summary: 'Meta: the subscription handshake',
    tag: 'webhooks',
    query: { 'hub.mode': { type: 'string' }, 'hub.verify_token': { type: 'string' }, 'hub.challenge': { type: 'string' } },
    errors: { 403: ['forbidden'] },
    ok: { status: 200, description: 'The challenge, echoed.', content: { 'text/plain': { type: 'string' } } },
  },
  'POST /webhooks/meta': {
    summary: 'Meta: WhatsApp Cloud API, Messenger and Instagram deliveries',
    tag: 'webhooks',
    description: 'Signed with `X-Hub-Signature-256` (the app secret). Items that cannot be taken are kept aside and answered 200 all the same (Meta retries anything else).',
    body: { 'application/json': { type: 'object', additionalProperties: true } },
    errors: { 400: ['invalid_body', 'invalid_encoding', 'too_deep'], 403: ['invalid_signature'], 413: ['too_many_items'], 503: ['log_unavailable', 'in_progress'] },
    ok: { status: 200, description: 'Taken.', content: { 'text/plain': { type: 'string', const: 'EVENT_RECEIVED' } } },
  },
  'POST /webhooks/email': {
    summary: 'An inbound e-mail',
    tag: 'webhooks',
    description: 'A raw RFC 5322 message, or a SendGrid Inbound Parse form; HTTP basic auth with `channels.email.webhookPassword`.',
    body: { 'message/rfc822': { type: 'string' }, 'multipart/form-data': { type: 'object', additionalProperties: true } },
    errors: { 400: ['email_rejected'], 403: ['forbidden'], 413: ['message_too_large'], 503: ['log_unavailable'] },
    ok: {
      status: 200,
      description: 'Taken.',
      schema: { type: 'object', required: ['status', 'eventIds'], properties: { status: { type: 'string', enum: ['accepted', 'duplicate'] }, eventIds: { type: 'array', items: { type: 'string' } } }, additionalProperties: true },
    },
  },
};

/** The chat body as the route checks it (a zod schema), in JSON Schema. */
function chatBodySchema(): Schema {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(chatMessageBody, { io: 'input', unrepresentable: 'any' }) as Schema;
  return schema;
}
