/**
 * What the API's answers look like, for the OpenAPI document only (`components.schemas`). None of
 * these is a route's fastify response schema: those are serializers, which drop every field they do
 * not list, so an answer would change the day a field was added to the state and not here. Every
 * object is left open (`additionalProperties: true`) for the same reason: the document describes,
 * the routes decide. tests/integration/http/openapi.int.spec.ts checks real answers against them.
 */

type Schema = Record<string, unknown>;

const string = { type: 'string' } as const;
const time = { type: 'string', format: 'date-time' } as const;
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const nullableString = nullable(string);
const nullableTime = nullable(time);
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const object = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  required,
  properties,
  additionalProperties: true,
});

const channel = { type: 'string', enum: ['email', 'chat', 'sms', 'social'] } as const;
const priority = { type: 'string', enum: ['low', 'normal', 'high', 'urgent'] } as const;
const conversationStatus = { type: 'string', enum: ['open', 'pending', 'resolved'] } as const;

/** Schemas by component name, in the order the document lists them. */
export const componentSchemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    description: 'Every refusal: a stable machine code and a sentence for people; some name more (`permission`, `issues`, `rejected`, `openConversation`, ...).',
    required: ['error', 'message'],
    properties: { error: { type: 'string', description: 'The stable code (see each answer for the codes a route gives).' }, message: string },
    additionalProperties: true,
  },
  Accepted: object({ eventId: { type: 'string', description: 'The id of the event appended (deterministic with an Idempotency-Key).' } }),
  Identity: object({ channel, provider: string, handle: string, firstSeenAt: time }),
  ReplyTo: nullable(object({ channel, provider: string, handle: string })),
  Sla: object({
    firstResponseDueAt: nullableTime,
    nextResponseDueAt: nullableTime,
    resolutionDueAt: nullableTime,
    breached: { type: 'array', items: string },
    waitingSince: nullableTime,
    pausedSince: nullableTime,
  }),
  ConversationSummary: object({
    id: string,
    customer: string,
    status: conversationStatus,
    channels: { type: 'array', items: channel },
    subject: nullableString,
    category: nullableString,
    priority,
    language: nullableString,
    team: nullableString,
    assignee: nullableString,
    openedAt: time,
    lastActivityAt: time,
    resolvedAt: nullableTime,
    messageCount: { type: 'integer' },
    sla: ref('Sla'),
    replyTo: ref('ReplyTo'),
  }),
  Conversation: {
    ...object({
      id: string,
      tenant: string,
      customer: string,
      status: conversationStatus,
      initiatedBy: { type: 'string', enum: ['customer', 'agent'] },
      openedAt: time,
      channels: { type: 'array', items: channel },
      replyTo: ref('ReplyTo'),
      subject: nullableString,
      category: nullableString,
      priority,
      language: nullableString,
      team: nullableString,
      assignee: nullableString,
      bot: nullable({ type: 'string', enum: ['answering', 'handed-off'] }),
      lastActivityAt: time,
      resolvedAt: nullableTime,
      reopenCount: { type: 'integer' },
      messageCount: { type: 'integer' },
      sla: ref('Sla'),
      surveys: { type: 'array', items: { type: 'object', additionalProperties: true } },
    }, ['id', 'tenant', 'customer', 'status', 'openedAt', 'channels', 'priority', 'team', 'assignee', 'lastActivityAt', 'messageCount', 'sla']),
    description: 'The conversation as folded (src/domain/state.ts, `Conversation`): assignment, SLA clocks, surveys and the KPI facts kept beside them.',
  },
  Attachment: object(
    {
      filename: string,
      contentType: string,
      size: { type: 'integer', description: 'Bytes; 0 while a provider’s file is not fetched yet.' },
      key: { type: 'string', description: 'The store’s key (SHA-256 of the bytes) once the bytes are with us: GET /v1/conversations/{id}/attachments/{key}.' },
      unavailable: { type: 'string', description: 'Why the bytes will never be with us.' },
    },
    ['filename', 'contentType', 'size'],
  ),
  TranscriptLine: object(
    {
      eventId: string,
      at: time,
      direction: { type: 'string', enum: ['in', 'out'] },
      channel,
      provider: string,
      author: object({ kind: { type: 'string', enum: ['customer', 'agent', 'bot', 'system'] }, id: string }),
      text: string,
      subject: string,
      internal: { type: 'boolean' },
      attachments: { type: 'array', items: ref('Attachment') },
      messageId: string,
      delivery: object({ status: { type: 'string', enum: ['queued', 'sent', 'delivered', 'read', 'failed'] }, at: time, error: string }, ['status', 'at']),
    },
    ['eventId', 'at', 'direction', 'channel', 'provider', 'author', 'text'],
  ),
  Customer: object({
    tenant: string,
    id: string,
    identities: { type: 'array', items: ref('Identity') },
    openConversationId: nullableString,
    conversationIds: { type: 'array', items: string },
    mergedInto: nullableString,
    mergedFrom: { type: 'array', items: string },
    firstSeenAt: time,
    lastSeenAt: time,
    lastAssignee: nullableString,
  }),
  CustomerView: object(
    {
      customer: ref('Customer'),
      mergedInto: { type: 'string', description: 'Set when the customer asked for was merged into another: the view is the survivor’s.' },
      conversations: { type: 'array', items: ref('ConversationSummary'), description: 'Newest first.' },
      timeline: {
        type: 'array',
        description: 'The latest conversations’ lines across channels, each with the conversation and customer it came from.',
        items: { allOf: [ref('TranscriptLine'), object({ conversationId: string, customerId: string })] },
      },
    },
    ['customer', 'conversations', 'timeline'],
  ),
  Seats: {
    type: 'object',
    description: 'Seats (or load) per channel.',
    properties: { email: { type: 'integer' }, chat: { type: 'integer' }, sms: { type: 'integer' }, social: { type: 'integer' } },
    additionalProperties: true,
  },
  Agent: object({
    id: string,
    name: string,
    teams: { type: 'array', items: string },
    status: { type: 'string', enum: ['online', 'away', 'offline'] },
    since: nullableTime,
    capacity: ref('Seats'),
    load: ref('Seats'),
  }),
  Principal: {
    description: 'Who the request is: a signed-in person or an API key.',
    oneOf: [
      object({ kind: { const: 'person' }, tenant: string, account: string, role: { type: 'string', enum: ['agent', 'supervisor', 'admin'] }, agent: nullableString }),
      object({ kind: { const: 'key' }, tenant: string, key: string, scopes: { type: 'array', items: string } }),
    ],
  },
  Account: object({
    id: string,
    tenant: string,
    email: string,
    name: string,
    role: { type: 'string', enum: ['agent', 'supervisor', 'admin'] },
    agent: nullableString,
    language: string,
    timeZone: string,
    disabled: { type: 'boolean' },
    created: time,
    updated: time,
  }),
  ApiKey: object({
    id: string,
    tenant: string,
    name: string,
    scopes: { type: 'array', items: { type: 'string', enum: ['events:write', 'read', 'actions', 'admin'] } },
    created: time,
    createdBy: string,
    lastUsed: nullableTime,
    revoked: nullableTime,
  }),
  CannedResponse: object({ id: string, shortcut: string, title: string, text: string, updatedAt: time, updatedBy: string }),
  AuditEntry: object({
    time,
    eventId: string,
    type: string,
    conversation: nullableString,
    subject: string,
    actor: nullable(object({ kind: string, id: string })),
    authtype: nullableString,
    authid: nullableString,
    claims: { type: 'object', additionalProperties: true },
    data: { type: 'object', additionalProperties: true },
  }),
  Change: object({ id: { type: 'string', description: 'The feed’s cursor.' }, type: string, customer: string, conversation: nullableString, eventId: string }),
  KpiReport: {
    type: 'object',
    description: 'The KPI report, the JSON of `cs report --format json` (fields in docs/metrics.md): figures per group, then `meta`.',
    required: ['meta'],
    properties: { groups: { type: 'array', items: object({ key: { type: 'object', additionalProperties: true } }) }, meta: { type: 'object', additionalProperties: true } },
    additionalProperties: true,
  },
};
