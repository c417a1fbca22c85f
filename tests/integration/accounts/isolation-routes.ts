/**
 * The route table of the tenant-isolation matrix (isolation.int.spec.ts): one row per route of the
 * API as deployed (src/roles/api.ts: the /v1 routes, the channels' doors and the agents' actions),
 * with the access it must declare, a plausible request built from one tenant's ids, and what it
 * answers a principal who may use it, with their own tenant's ids and with the other tenant's. The
 * spec checks that this table and the running server's routes are the same set, so a route added
 * to the API without a row here fails it.
 */
import { createEvent } from '../../../events/index.ts';
import type { Permission, Role, Scope } from '../../../src/domain/access/index.ts';
import type { RouteAccess } from '../../../src/http/route-access.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The ids one tenant has, each made by the spec's set-up. */
export interface TenantIds {
  tenant: string;
  /** Triaged into `team` and assigned to `agent`: what reads, replies, notes, transfer and priority act on. */
  conversation: string;
  /** Triaged into `team`, nobody's yet: the assign row's. */
  pool: string;
  /** Assigned to `agent`: resolved, then reopened, by the matrix. */
  life: string;
  /** The customer of `conversation`. */
  customer: string;
  /** A handle of `customer`. */
  handle: string;
  /** Another customer, merged into `customer` by the merge row. */
  spare: string;
  /** The agent the tenant's agent-role person acts as. */
  agent: string;
  /** A team `agent` is in. */
  team: string;
  /** A person's account the people rows read, rename and reset. */
  user: string;
  /** An API key the revoke row revokes. */
  key: string;
  /** A canned response the canned-response rows change and delete. */
  canned: string;
}

/** Who sends a cell's request. */
export type Caller =
  | { kind: 'anonymous'; name: string; tenant: string }
  | { kind: 'person'; name: string; tenant: string; role: Role; agent: string | null }
  | { kind: 'key'; name: string; tenant: string; scope: Scope };

export interface CellInput {
  caller: Caller;
  /** The ids the request names: the caller's tenant's (`own`) or the other tenant's. */
  ids: TenantIds;
  own: boolean;
  /** Unique per cell: e-mail addresses, key names, customer ids. */
  n: number;
  /** Whom the sign-in row signs in: the caller themselves, or (keys, anonymous) a person of the caller's tenant. */
  signIn: { email: string; password: string };
  /** The caller's password now (people; the password row changes it). */
  password: string;
  /** The ids known to be the caller's tenant's. */
  callerIds: ReadonlySet<string>;
}

export interface CellRequest {
  path: string;
  body?: unknown;
}

/** What a cell must be answered: one of `status`, the error code `error` if given, and `check` finding nothing wrong in the body. */
export interface Outcome {
  status: readonly number[];
  error?: string;
  /** The permission a 403 `missing_permission` names. */
  permission?: string;
  /** Why a status other than the plain one is right (state, the agent-bound checks). */
  why?: string;
  check?: (body: Record<string, unknown>, input: CellInput) => string | null;
}

export interface RouteRow {
  method: Method;
  /** As the route is declared (Fastify's pattern). */
  path: string;
  access: RouteAccess;
  request(input: CellInput): CellRequest;
  /** The answer to a principal who may use the route, with their own tenant's ids. */
  own(caller: Caller): Outcome;
  /** The same, with the other tenant's ids (a route without ids: the same request, their own tenant's data). */
  other(caller: Caller): Outcome;
  /** The person signs in anew for each cell (signing out ends that session only). */
  freshSession?: true;
  /** A 204 changed the caller's password to `nextPassword(input.password)`. */
  rotatesPassword?: true;
}

export const PASSWORD = 'correct horse battery';
export const OTHER_PASSWORD = 'correct horse battery staple';
export const nextPassword = (current: string) => (current === PASSWORD ? OTHER_PASSWORD : PASSWORD);

const ok = (status: number, more: Omit<Outcome, 'status'> = {}): Outcome => ({ status: [status], ...more });
const OK = ok(200);
const NOT_FOUND = ok(404, { why: 'an id of another tenant is unknown in the caller’s' });
const isAgent = (caller: Caller) => caller.kind === 'person' && caller.role === 'agent';
const fromState = (accepted: number, ...refusals: string[]): Outcome => ({
  status: [accepted, 409],
  why: `${accepted} the first time; 409 ${refusals.join('/')} once an earlier cell's change is folded`,
});
const empty = (field: string) => (body: Record<string, unknown>) =>
  Array.isArray(body[field]) && (body[field] as unknown[]).length === 0 ? null : `${field} is not an empty list: ${JSON.stringify(body[field])}`;
/** The conversations listed are all the caller's tenant's. */
const onlyCallers = (body: Record<string, unknown>, input: CellInput) => {
  const listed = ((body.conversations as Array<{ id: string }> | undefined) ?? []).map((c) => c.id);
  const strangers = listed.filter((id) => !input.callerIds.has(id));
  return strangers.length === 0 ? null : `lists conversations not of ${input.caller.tenant}: ${strangers.join(', ')}`;
};
/** The report's groups (by tenant first) are all the caller's tenant's, and there are some. */
const onlyCallersGroups = (body: Record<string, unknown>, input: CellInput) => {
  const tenants = ((body.groups as Array<{ key: { tenant?: string } }> | undefined) ?? []).map((g) => g.key.tenant);
  if (tenants.length === 0) return 'no groups: the set-up opened conversations in every tenant';
  const strangers = tenants.filter((t) => t !== input.caller.tenant);
  return strangers.length === 0 ? null : `groups of tenants not the caller's ${input.caller.tenant}: ${strangers.join(', ')}`;
};
const ownTenant = (pick: (body: Record<string, unknown>) => unknown) => (body: Record<string, unknown>, input: CellInput) =>
  pick(body) === input.caller.tenant ? null : `names tenant ${String(pick(body))}, not the caller's ${input.caller.tenant}`;
const conv = (action: string) => (i: CellInput) => `/v1/conversations/${i.ids.conversation}/${action}`;
/** An API key names the agent it acts for; a signed-in person is always themselves. */
const authorOf = (i: CellInput) => (i.caller.kind === 'key' ? { authorId: i.ids.agent } : {});

/**
 * Every route but the doors, in the order the matrix runs them: reads first, then changes whose
 * later cells still find what they need (a refusal from state is fine), and last the destructive
 * ones (resolve, password changes, revoking, signing out).
 */
export const ROUTES: readonly RouteRow[] = [
  { method: 'GET', path: '/healthz', access: 'public', request: () => ({ path: '/healthz' }), own: () => OK, other: () => OK },
  {
    method: 'POST',
    path: '/v1/session',
    access: 'public',
    // With the other tenant's ids: the caller's tenant's person signs in to the other tenant, where nobody has that address.
    request: (i) => ({ path: '/v1/session', body: { tenant: i.ids.tenant, email: i.signIn.email, password: i.signIn.password } }),
    own: () => OK,
    other: () => ok(401, { error: 'invalid_credentials', why: 'a person of one tenant is unknown in another' }),
  },
  {
    method: 'GET',
    path: '/v1/session',
    access: 'signed-in',
    request: () => ({ path: '/v1/session' }),
    own: () => ok(200, { check: ownTenant((b) => (b.principal as { tenant?: string } | undefined)?.tenant) }),
    other: () => ok(200, { check: ownTenant((b) => (b.principal as { tenant?: string } | undefined)?.tenant) }),
  },
  {
    method: 'GET',
    path: '/v1/settings',
    access: 'settings:admin',
    request: () => ({ path: '/v1/settings' }),
    own: () => ok(200, { check: ownTenant((b) => b.tenant) }),
    other: () => ok(200, { check: ownTenant((b) => b.tenant) }),
  },
  { method: 'GET', path: '/v1/users', access: 'people:admin', request: () => ({ path: '/v1/users' }), own: () => OK, other: () => OK },
  { method: 'GET', path: '/v1/users/:id', access: 'people:admin', request: (i) => ({ path: `/v1/users/${i.ids.user}` }), own: () => OK, other: () => NOT_FOUND },
  { method: 'GET', path: '/v1/api-keys', access: 'keys:admin', request: () => ({ path: '/v1/api-keys' }), own: () => OK, other: () => OK },
  { method: 'GET', path: '/v1/canned-responses', access: 'conversations:act', request: () => ({ path: '/v1/canned-responses' }), own: () => OK, other: () => OK },
  {
    method: 'GET',
    path: '/v1/audit',
    access: 'audit:read',
    request: (i) => ({ path: `/v1/audit?limit=1000&conversation=${i.ids.conversation}` }),
    own: () => OK,
    other: () => ok(200, { why: 'a filter naming another tenant’s conversation finds nothing', check: empty('entries') }),
  },
  {
    method: 'GET',
    path: '/v1/stream',
    access: 'conversations:read',
    // Without Accept: text/event-stream the change feed answers once, as JSON; the leak check reads every id in it.
    request: () => ({ path: '/v1/stream?after=0-0' }),
    own: () => OK,
    other: () => OK,
  },
  { method: 'GET', path: '/v1/agents', access: 'presence:read', request: () => ({ path: '/v1/agents' }), own: () => OK, other: () => OK },
  {
    method: 'GET',
    path: '/v1/agents/:id',
    access: 'conversations:read',
    request: (i) => ({ path: `/v1/agents/${i.ids.agent}` }),
    own: () => OK,
    other: (c) => (isAgent(c) ? ok(403, { error: 'not_yourself', why: 'an agent reads their own presence only, whoever the other is' }) : NOT_FOUND),
  },
  {
    method: 'GET',
    path: '/v1/agents/:id/conversations',
    access: 'conversations:read',
    request: (i) => ({ path: `/v1/agents/${i.ids.agent}/conversations` }),
    own: () => OK,
    other: (c) => (isAgent(c) ? ok(403, { error: 'not_yourself', why: 'an agent reads their own list only, whoever the other is' }) : NOT_FOUND),
  },
  { method: 'GET', path: '/v1/conversations/:id', access: 'conversations:read', request: (i) => ({ path: `/v1/conversations/${i.ids.conversation}` }), own: () => OK, other: () => NOT_FOUND },
  {
    method: 'GET',
    path: '/v1/conversations/:id/attachments/:key',
    access: 'conversations:read',
    // The set-up's conversation has no files: the caller gets as far as looking for one on its lines.
    request: (i) => ({ path: `/v1/conversations/${i.ids.conversation}/attachments/${'0'.repeat(64)}` }),
    own: () => ok(404, { check: (b) => (b.message === 'attachment not found' ? null : `expected "attachment not found", got ${JSON.stringify(b)}`) }),
    other: () => ok(404, { check: (b) => (b.message === 'conversation not found' ? null : `expected "conversation not found", got ${JSON.stringify(b)}`) }),
  },
  {
    method: 'GET',
    path: '/v1/customers',
    access: 'conversations:read',
    request: (i) => ({ path: `/v1/customers?handle=${encodeURIComponent(i.ids.handle)}` }),
    own: () => OK,
    other: () => ok(404, { why: 'another tenant’s handle is unknown in the caller’s' }),
  },
  { method: 'GET', path: '/v1/customers/:id', access: 'conversations:read', request: (i) => ({ path: `/v1/customers/${i.ids.customer}` }), own: () => OK, other: () => NOT_FOUND },
  {
    method: 'GET',
    path: '/v1/customers/:id/export',
    access: 'customers:data',
    request: (i) => ({ path: `/v1/customers/${i.ids.customer}/export` }),
    own: () => ok(200, { check: (b, i) => (b.customer === i.ids.customer && Array.isArray(b.events) ? null : `expected the customer's export, got ${JSON.stringify(b).slice(0, 200)}`) }),
    other: () => NOT_FOUND,
  },
  {
    method: 'POST',
    path: '/v1/customers/:id/erase',
    access: 'customers:data',
    request: (i) => ({ path: `/v1/customers/${i.ids.customer}/erase` }),
    // The isolation deployment seals nothing, so its own customer is found and the erasure refused (nothing erased under the other cells).
    own: () => ({ status: [409], error: 'erasure_unavailable', why: 'this deployment has no master keys' }),
    other: () => NOT_FOUND,
  },
  {
    method: 'GET',
    path: '/v1/queues/:team',
    access: 'conversations:read',
    request: (i) => ({ path: `/v1/queues/${i.ids.team}` }),
    own: () => ok(200, { check: (b, i) => ((b.conversations as unknown[] | undefined)?.length ? onlyCallers(b, i) : 'the own team’s queue is empty: the set-up put a conversation in it') }),
    // A team is a name in the caller's own settings: another tenant's team name is the caller's own
    // queue of that name (acme has a `support` too, with a conversation of acme's in it), or an
    // empty one (globex has no `billing`), never a 404.
    other: (c) =>
      isAgent(c)
        ? ok(403, { error: 'not_your_team', why: 'an agent reads their own teams’ queues only' })
        : ok(200, { why: 'a team is a name in the caller’s own settings: their own queue of that name, or an empty one (no 404 for unknown teams)', check: onlyCallers }),
  },
  {
    method: 'GET',
    path: '/v1/kpis',
    access: 'kpis:read',
    // By tenant and agent: the groups name the agents of record (ids the leak check knows) and the tenant.
    request: () => ({ path: '/v1/kpis?groupBy=tenant,agent' }),
    own: () => ok(200, { check: onlyCallersGroups }),
    other: () => ok(200, { why: 'the report has no ids to name: always the caller’s own tenant', check: onlyCallersGroups }),
  },
  {
    method: 'GET',
    path: '/v1/kpis/conversations',
    access: 'kpis:read',
    // The group names the ids' tenant: the caller's own conversations, or (another tenant named) none of anyone's.
    request: (i) => ({ path: `/v1/kpis/conversations?figure=conversations&limit=1000&group=${encodeURIComponent(JSON.stringify({ tenant: i.ids.tenant }))}` }),
    own: () => ok(200, { check: (b, i) => ((b.conversations as unknown[] | undefined)?.length ? onlyCallers(b, i) : 'lists no conversation: the set-up opened several') }),
    other: () => ok(200, { why: 'a group of another tenant holds none of the caller’s conversations', check: empty('conversations') }),
  },
  {
    method: 'POST',
    path: '/v1/events',
    access: 'events:write',
    request: (i) => ({
      path: '/v1/events',
      body: createEvent({
        type: 'message.received',
        source: '/tests/isolation',
        tenant: i.ids.tenant,
        // With the own tenant's ids, a new customer (the fixtures stay as they are); with the other's, their customer.
        customer: i.own ? `cus_iso_${i.n}` : i.ids.customer,
        time: new Date().toISOString(),
        data: { channel: 'chat', provider: 'webchat', handle: `visitor-iso-${i.n}`, text: 'Hello from the matrix' },
      }),
    }),
    own: () => ok(202),
    other: () =>
      ok(400, {
        error: 'invalid_events',
        why: 'an envelope of another tenant is refused as tenant_mismatch',
        check: (b) => ((b.rejected as Array<{ code?: string }> | undefined)?.[0]?.code === 'tenant_mismatch' ? null : `not refused as tenant_mismatch: ${JSON.stringify(b.rejected)}`),
      }),
  },
  {
    method: 'POST',
    path: '/v1/users',
    access: 'people:admin',
    // The person acts as the ids' tenant's agent: another tenant's agent is not in the caller's settings.
    request: (i) => ({ path: '/v1/users', body: { email: `matrix-${i.n}@${i.caller.tenant}.test`, name: `Matrix ${i.n}`, role: 'agent', agent: i.ids.agent, password: PASSWORD } }),
    own: () => ok(201),
    other: () => ok(422, { error: 'unknown_agent', why: 'another tenant’s agent is not in the caller’s routing settings' }),
  },
  {
    method: 'POST',
    path: '/v1/api-keys',
    access: 'keys:admin',
    request: (i) => ({ path: '/v1/api-keys', body: { name: `matrix ${i.n}`, scopes: ['read'] } }),
    own: () => ok(201),
    other: () => ok(201),
  },
  {
    method: 'POST',
    path: '/v1/canned-responses',
    access: 'settings:admin',
    request: (i) => ({ path: '/v1/canned-responses', body: { shortcut: `matrix-${i.n}`, title: `Matrix ${i.n}`, text: 'Hello {{customer.name}}' } }),
    own: () => ok(201),
    other: () => ok(201),
  },
  {
    method: 'PATCH',
    path: '/v1/canned-responses/:id',
    access: 'settings:admin',
    request: (i) => ({ path: `/v1/canned-responses/${i.ids.canned}`, body: { title: `Renamed ${i.n}` } }),
    own: () => OK,
    other: () => NOT_FOUND,
  },
  {
    method: 'PUT',
    path: '/v1/agents/:id/status',
    access: 'presence:write',
    request: (i) => ({ path: `/v1/agents/${i.ids.agent}/status`, body: { status: 'online' } }),
    own: () => ok(202),
    other: (c) => (isAgent(c) ? ok(403, { error: 'not_yourself', why: 'an agent sets their own status only, whoever the other is' }) : NOT_FOUND),
  },
  {
    method: 'POST',
    path: '/v1/conversations/:id/messages',
    access: 'conversations:act',
    request: (i) => ({ path: conv('messages')(i), body: { text: 'On its way', ...authorOf(i) } }),
    own: () => ok(202),
    other: () => NOT_FOUND,
  },
  {
    method: 'POST',
    path: '/v1/attachments',
    access: 'conversations:act',
    // The matrix's bodies are JSON: past the access check, a caller who may upload is told the route takes a form.
    request: () => ({ path: '/v1/attachments', body: { file: 'not a form' } }),
    own: () => ok(415, { error: 'not_multipart', why: 'the matrix sends JSON; uploads are multipart/form-data (tests/integration/outbound/attachments.int.spec.ts)' }),
    other: () => ok(415, { error: 'not_multipart', why: 'no ids: the same request, into the caller’s own tenant' }),
  },
  {
    method: 'POST',
    path: '/v1/conversations/:id/notes',
    access: 'conversations:act',
    request: (i) => ({ path: conv('notes')(i), body: { text: 'Checked the order', ...authorOf(i) } }),
    own: () => ok(202),
    other: () => NOT_FOUND,
  },
  {
    method: 'POST',
    path: '/v1/conversations/:id/assign',
    access: 'conversations:act',
    request: (i) => ({ path: `/v1/conversations/${i.ids.pool}/assign`, body: { agent: i.ids.agent } }),
    own: () => fromState(202, 'already_assigned'),
    other: () => NOT_FOUND,
  },
  {
    method: 'POST',
    path: '/v1/conversations/:id/transfer',
    access: 'conversations:act',
    // To where it is: valid, and refused by the state (so the agent's later cells still find it theirs).
    request: (i) => ({ path: conv('transfer')(i), body: { toAgent: i.ids.agent, toTeam: i.ids.team, reason: 'matrix' } }),
    own: () => ok(409, { error: 'no_change', why: 'the conversation is already with that agent in that team' }),
    other: () => NOT_FOUND,
  },
  {
    method: 'POST',
    path: '/v1/conversations/:id/priority',
    access: 'conversations:act',
    request: (i) => ({ path: conv('priority')(i), body: { priority: 'high' } }),
    own: () => fromState(202, 'same_priority'),
    other: () => NOT_FOUND,
  },
  {
    method: 'POST',
    path: '/v1/customers/:id/merge',
    access: 'customers:merge',
    request: (i) => ({ path: `/v1/customers/${i.ids.customer}/merge`, body: { from: i.ids.spare } }),
    own: () => fromState(202, 'already_merged'),
    other: () => NOT_FOUND,
  },
  {
    method: 'POST',
    path: '/v1/conversations/:id/resolve',
    access: 'conversations:act',
    request: (i) => ({ path: `/v1/conversations/${i.ids.life}/resolve`, body: {} }),
    own: () => fromState(202, 'already_resolved'),
    other: () => NOT_FOUND,
  },
  {
    method: 'POST',
    path: '/v1/conversations/:id/reopen',
    access: 'conversations:act',
    request: (i) => ({ path: `/v1/conversations/${i.ids.life}/reopen`, body: { reason: 'matrix' } }),
    own: () => ({ status: [202, 409], why: '202 once the resolve row’s resolution is folded; 409 not_resolved before it, or once reopened' }),
    other: () => NOT_FOUND,
  },
  {
    method: 'PATCH',
    path: '/v1/session/preferences',
    access: 'signed-in',
    request: () => ({ path: '/v1/session/preferences', body: { language: 'ru', timeZone: 'Europe/Moscow' } }),
    own: (c) => (c.kind === 'key' ? ok(400, { error: 'not_a_person', why: 'an API key has no preferences' }) : OK),
    other: (c) => (c.kind === 'key' ? ok(400, { error: 'not_a_person', why: 'an API key has no preferences' }) : OK),
  },
  {
    method: 'POST',
    path: '/v1/session/password',
    access: 'signed-in',
    request: (i) => ({ path: '/v1/session/password', body: { current: i.password, password: nextPassword(i.password) } }),
    own: (c) => (c.kind === 'key' ? ok(400, { error: 'not_a_person', why: 'an API key has no password' }) : ok(204)),
    other: (c) => (c.kind === 'key' ? ok(400, { error: 'not_a_person', why: 'an API key has no password' }) : ok(204)),
    rotatesPassword: true,
  },
  {
    method: 'PATCH',
    path: '/v1/users/:id',
    access: 'people:admin',
    request: (i) => ({ path: `/v1/users/${i.ids.user}`, body: { name: `Renamed ${i.n}` } }),
    own: () => OK,
    other: () => NOT_FOUND,
  },
  {
    method: 'POST',
    path: '/v1/users/:id/password',
    access: 'people:admin',
    request: (i) => ({ path: `/v1/users/${i.ids.user}/password`, body: { password: `reset password ${i.n}` } }),
    own: () => ok(204),
    other: () => NOT_FOUND,
  },
  {
    method: 'DELETE',
    path: '/v1/canned-responses/:id',
    access: 'settings:admin',
    request: (i) => ({ path: `/v1/canned-responses/${i.ids.canned}` }),
    own: () => ({ status: [204, 404], why: '204 the first time; 404 once an earlier cell deleted it' }),
    other: () => NOT_FOUND,
  },
  {
    method: 'DELETE',
    path: '/v1/api-keys/:id',
    access: 'keys:admin',
    request: (i) => ({ path: `/v1/api-keys/${i.ids.key}` }),
    own: () => ok(200, { why: 'revoking a revoked key answers it again' }),
    other: () => NOT_FOUND,
  },
  {
    method: 'DELETE',
    path: '/v1/session',
    access: 'signed-in',
    request: () => ({ path: '/v1/session' }),
    own: () => ok(204),
    other: () => ok(204),
    freshSession: true,
  },
];

/**
 * The doors that check their own credential (a provider's signature, a widget key, a signed link):
 * public, outside the matrix. Each gets an anonymous request the auth hook must let through.
 */
export const DOORS: ReadonlyArray<{ method: Method | 'OPTIONS'; path: string }> = [
  // The probes beside /healthz: readiness (no data), and the metrics (bearer token when metrics.token is set; labels carry no ids).
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/v1/surveys/answer' },
  { method: 'GET', path: '/media/:key/:filename' },
  { method: 'OPTIONS', path: '/v1/chat/messages' },
  { method: 'POST', path: '/v1/chat/messages' },
  { method: 'GET', path: '/v1/chat/ws' },
  { method: 'POST', path: '/webhooks/twilio/sms' },
  { method: 'POST', path: '/webhooks/twilio/status' },
  { method: 'GET', path: '/webhooks/meta' },
  { method: 'POST', path: '/webhooks/meta' },
  { method: 'POST', path: '/webhooks/email' },
  // The console's pages and files (static, no data: everything it shows comes through the routes above).
  { method: 'GET', path: '/' },
  { method: 'GET', path: '/sign-in' },
  { method: 'GET', path: '/conversations/:id' },
  { method: 'GET', path: '/board' },
  { method: 'GET', path: '/canned-responses' },
  { method: 'GET', path: '/profile' },
  { method: 'GET', path: '/assets/*' },
  { method: 'GET', path: '/favicon.svg' },
];

/**
 * Plugins that register routes of their own under a prefix (their pages, files and the JSON APIs
 * behind them), each with one access declared for all of them: the API description (public: it
 * holds no data) and the job-queue dashboard (admins, and only of an operator tenant: every
 * tenant's jobs are in it; tests/integration/http/queue-dashboard.int.spec.ts runs it against each
 * kind of principal). Outside the matrix: their answers are the plugins' pages, not a tenant's data.
 */
export const PLUGIN_ROUTES: ReadonlyArray<{ prefix: string; access: RouteAccess }> = [
  { prefix: '/docs', access: 'public' },
  { prefix: '/admin/queues', access: 'settings:admin' },
];

/** The plugin a `METHOD /path` route belongs to, if any. */
export const pluginOf = (route: string) => {
  const path = route.slice(route.indexOf(' ') + 1);
  return PLUGIN_ROUTES.find((p) => path === p.prefix || path.startsWith(`${p.prefix}/`));
};

export const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

/**
 * What each role and scope may do, as the matrix expects it (src/domain/access/permissions.ts
 * must agree: the spec compares them, so a change there is a change here, made on purpose).
 */
const AGENT: readonly Permission[] = ['conversations:read', 'conversations:act', 'presence:write'];
const SUPERVISOR: readonly Permission[] = [...AGENT, 'conversations:assign-others', 'customers:merge', 'presence:read', 'kpis:read', 'audit:read'];
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  agent: AGENT,
  supervisor: SUPERVISOR,
  admin: [...SUPERVISOR, 'people:admin', 'keys:admin', 'settings:admin', 'customers:data'],
};
export const SCOPE_PERMISSIONS: Readonly<Record<Scope, readonly Permission[]>> = {
  'events:write': ['events:write'],
  read: ['conversations:read', 'presence:read', 'kpis:read'],
  actions: ['conversations:act', 'conversations:assign-others', 'customers:merge', 'presence:write'],
  admin: ['people:admin', 'keys:admin', 'settings:admin', 'audit:read', 'customers:data'],
};

export function callerMay(caller: Caller, access: RouteAccess): boolean {
  if (access === 'public') return true;
  if (caller.kind === 'anonymous') return false;
  if (access === 'signed-in') return true;
  return (caller.kind === 'person' ? ROLE_PERMISSIONS[caller.role] : SCOPE_PERMISSIONS[caller.scope]).includes(access);
}

/** The answer a cell must get, by the rule: 401 anonymous, 403 missing_permission, then the row's own or other. */
export function expectedOutcome(row: RouteRow, caller: Caller, own: boolean): Outcome {
  if (row.access !== 'public' && caller.kind === 'anonymous') return { status: [401], error: 'unauthorized' };
  if (!callerMay(caller, row.access)) return { status: [403], error: 'missing_permission', permission: row.access };
  return own ? row.own(caller) : row.other(caller);
}

/**
 * The routes of `app.printRoutes({ commonPrefix: false })` as `METHOD /path`: each line is a
 * route's path (below its parent's, indented four characters a level) and its methods. A line that
 * does not read so fails, so a change of the format cannot pass for an empty route table.
 */
export function parsePrintedRoutes(printed: string): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    if (line.trim() === '') continue;
    const match = /^((?:[│ ] {3})*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) throw new Error(`printRoutes line not understood: ${JSON.stringify(line)}`);
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (depth > 0 ? stack[depth - 1]! : '') + match[2]!;
    stack.push(path);
    for (const method of match[3]!.split(', ')) out.push(`${method} ${path}`);
  }
  return out;
}
