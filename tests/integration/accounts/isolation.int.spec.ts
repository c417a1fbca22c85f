import { nanoid } from 'nanoid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admin } from 'kafkajs';
import type { RouteOptions } from 'fastify';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { configKeyId } from '../../../src/api/auth.ts';
import { createApiServer } from '../../../src/api/server.ts';
import { channelRoutes } from '../../../src/channels/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { permissionsOf, SCOPES, type Role } from '../../../src/domain/access/index.ts';
import type { Conversation } from '../../../src/domain/state.ts';
import type { RouteAccess } from '../../../src/http/route-access.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { ProjectionReader } from '../../../src/projections/reader.ts';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { startFoldWorkerRole } from '../../../src/roles/fold-worker.ts';
import { tenantFileSchema } from '../../../src/tenants/settings.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testLogger } from '../../support/kafka.ts';
import { acmeSettings, actionsConfig, API_KEY, OTHER_KEY } from '../actions/support.ts';
import { tearDown } from '../outbound/support.ts';
import {
  DOORS,
  expectedOutcome,
  nextPassword,
  parsePrintedRoutes,
  PASSWORD,
  pluginOf,
  PLUGIN_ROUTES,
  ROLE_PERMISSIONS,
  routeKey,
  ROUTES,
  SCOPE_PERMISSIONS,
  type Caller,
  type CellInput,
  type RouteRow,
  type TenantIds,
} from './isolation-routes.ts';
import { addUserWithCli, Browser, dropAccounts } from './support.ts';

/**
 * Tenant isolation, as a matrix generated from the API's route table (isolation-routes.ts): every
 * route × every principal (anonymous; an agent, a supervisor and an admin signed in, and an API
 * key of each scope, of acme and of globex) × the ids of the principal's own tenant and of the
 * other's. Each cell is one real request to the API as deployed (every /v1 route, the channels'
 * doors and the agents' actions) over real Kafka and Redis, answered by the rule: anonymous 401;
 * without the route's permission 403 `missing_permission` naming it; with the other tenant's ids
 * 404 (or, without ids, the caller's own tenant's data); with its own, what the route does. No
 * answer to a principal of one tenant names an id of the other; a refused change appends nothing;
 * no event of one tenant was caused by a principal of the other.
 */
const A = 'acme';
const B = 'globex';
const TENANTS = [A, B] as const;
type Tenant = (typeof TENANTS)[number];
const otherTenant = (t: string): Tenant => (t === A ? B : A);

/**
 * globex's workspace: its own agents (Gina in support, Hugo in both teams, Ivan in returns). Its
 * team `support` has the name of one of acme's: the same name is two queues, one each.
 */
const globexSettings = tenantFileSchema.parse({
  routing: {
    teams: [{ name: 'support' }, { name: 'returns' }],
    agents: [
      { id: 'ag_gina', name: 'Gina Rossi', teams: ['support'], languages: ['en'], capacity: { chat: 3 } },
      { id: 'ag_hugo', name: 'Hugo Martin', teams: ['support', 'returns'], languages: ['en', 'fr'], capacity: { chat: 2 } },
      { id: 'ag_ivan', name: 'Ivan Petrov', teams: ['returns'], languages: ['en'], capacity: { chat: 2 } },
    ],
  },
});

/** Who is who in each tenant (acme's agents are actions/support.ts's). */
const PLAN = {
  acme: {
    configKey: API_KEY,
    team: 'billing',
    people: {
      admin: { email: 'admin@acme.test', name: 'Ada Admin', agent: null },
      agent: { email: 'li@acme.test', name: 'Li Wei', agent: 'ag_li' },
      supervisor: { email: 'anna@acme.test', name: 'Anna Schmidt', agent: 'ag_anna' },
    },
    victim: { email: 'victim@acme.test', name: 'Victor Acme', agent: 'ag_boris' },
  },
  globex: {
    configKey: OTHER_KEY,
    team: 'support',
    people: {
      admin: { email: 'admin@globex.test', name: 'Greta Admin', agent: null },
      agent: { email: 'gina@globex.test', name: 'Gina Rossi', agent: 'ag_gina' },
      supervisor: { email: 'hugo@globex.test', name: 'Hugo Martin', agent: 'ag_hugo' },
    },
    victim: { email: 'victim@globex.test', name: 'Victor Globex', agent: 'ag_ivan' },
  },
} as const;

const ROLE_ORDER: readonly Role[] = ['agent', 'supervisor', 'admin'];

/** The 15 principals, in the order each route's cells run. */
const CALLERS: readonly Caller[] = [
  { kind: 'anonymous', name: 'anonymous', tenant: A },
  ...TENANTS.flatMap((tenant) =>
    ROLE_ORDER.map((role): Caller => ({ kind: 'person', name: `${tenant} ${role}`, tenant, role, agent: PLAN[tenant].people[role].agent })),
  ),
  ...TENANTS.flatMap((tenant) => SCOPES.map((scope): Caller => ({ kind: 'key', name: `${tenant} key ${scope}`, tenant, scope }))),
];
const CELLS = ROUTES.length * CALLERS.length * TENANTS.length;
const MATRIX = `${ROUTES.length} routes × ${CALLERS.length} principals × ${TENANTS.length} tenants' ids = ${CELLS} cells`;

function isolationConfig(): Config {
  const base = actionsConfig();
  return {
    ...base,
    // Every principal's sign-in cell with the other tenant fails on purpose: more than the default five per account.
    http: { ...base.http, sessions: { ...base.http.sessions, maxFailures: 1000 } },
    tenants: { ...base.tenants, settings: { ...base.tenants.settings, [B]: globexSettings } },
  };
}

const config = isolationConfig();
const now = () => new Date().toISOString();

/** The API with every route of src/roles/api.ts (channels' doors and agents' actions), and the live fold. */
async function startEngine() {
  const harness = await startChannelHarness(config, [...channelRoutes, actionRoutes]);
  const bridge = await startBridgeRole(config, testLogger);
  const fold = startFoldWorkerRole(config, testLogger);
  const reader = new ProjectionReader(harness.ctx.redis, { instance: config.instance, fallback: config.fold.namespace });
  const kafkaAdmin: Admin = createKafka(config.kafka, testLogger).admin();
  await kafkaAdmin.connect();

  const engine = {
    harness,
    async conversation(tenant: string, id: string, ready: (c: Conversation) => boolean = () => true): Promise<Conversation> {
      let found: Conversation | null = null;
      await eventually(`conversation ${id} of ${tenant}`, async () => {
        found = await reader.conversation(await reader.scope(tenant), id);
        return found !== null && ready(found);
      });
      return found!;
    },
    /** A customer's chat message, as an adapter appends it; resolves once the conversation it opens is folded. */
    async opened(tenant: string, customer: string): Promise<string> {
      const event = createEvent({
        type: 'message.received',
        source: '/tests',
        tenant,
        customer,
        time: now(),
        data: { channel: 'chat', provider: 'webchat', handle: `visitor-${customer}`, text: 'Where is my order?' },
      });
      await harness.ctx.eventLog.append([event]);
      await engine.conversation(tenant, `cv_${event.id}`);
      return `cv_${event.id}`;
    },
    /** Triage's verdict, as the workflow would publish it. */
    async triaged(tenant: string, customer: string, conversation: string, team: string): Promise<void> {
      await harness.ctx.eventLog.append([
        createEvent({
          type: 'conversation.triaged',
          source: '/tests',
          tenant,
          customer,
          conversation,
          time: now(),
          data: { category: 'general', priority: 'normal', language: 'en', team, reasons: [] },
        }),
      ]);
      await engine.conversation(tenant, conversation, (c) => c.team === team);
    },
    /** The end offsets of the event topic, summed: what has been appended so far. */
    async logEnd(): Promise<number> {
      return (await kafkaAdmin.fetchTopicOffsets(config.kafka.topics.events)).reduce((n, p) => n + Number(p.high), 0);
    },
    /** Every event on the topic, once the harness's consumer has them all. */
    async settledEvents(): Promise<AnyEvent[]> {
      const end = await engine.logEnd();
      await eventually(`the consumer at the topic's end (${end})`, () => harness.events.length >= end);
      return harness.events;
    },
    async close() {
      await kafkaAdmin.disconnect();
      await bridge.close();
      await fold.close();
      await harness.close();
      await tearDown(config, [`harness-${config.instance}`], { topics: false });
    },
  };
  return engine;
}

type Engine = Awaited<ReturnType<typeof startEngine>>;

/** A principal as the spec holds it: its browser (people) or token (keys), and what it is called in the log. */
interface Held {
  caller: Caller;
  browser?: Browser;
  token?: string;
  email?: string;
  /** The account or key id the log's authid names. */
  id?: string;
}

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: string };
}

let engine: Engine;
const held = new Map<Caller, Held>();
const ids = {} as Record<Tenant, TenantIds>;
/** Each tenant's first admin's account id (`cs users add`). */
const adminAccounts = {} as Record<Tenant, string>;
/** Every id of each tenant that no answer to the other tenant's principals may name. */
const secrets: Record<Tenant, Set<string>> = { acme: new Set([A]), globex: new Set([B]) };
/** The account and key ids of each tenant's principals (authid on the log). */
const authIds: Record<Tenant, Set<string>> = { acme: new Set(), globex: new Set() };
/** People's current passwords, by e-mail (the password row changes them). */
const passwords = new Map<string, string>();
const results: Array<{ route: string; caller: string; ids: 'own' | 'other'; status: number; error?: string }> = [];
let cellNumber = 0;
let matrixMs = 0;

async function viaFetch(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${engine.harness.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: (parsed ?? {}) as Answer['body'] };
}

async function send(who: Held, method: string, path: string, body?: unknown, browser = who.browser): Promise<Answer> {
  if (browser) {
    const answer = await browser.request(method, path, body);
    return { status: answer.status, body: answer.body ?? {} };
  }
  return viaFetch(method, path, body, who.token ? { authorization: `Bearer ${who.token}` } : {});
}

async function signedIn(tenant: string, email: string): Promise<Browser> {
  const browser = new Browser(engine.harness.url);
  const answer = await browser.signIn(tenant, email, passwords.get(email)!);
  if (answer.status !== 200) throw new Error(`${email} could not sign in to ${tenant}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return browser;
}

/** What each tenant has before the matrix: people, keys, conversations in the agent's team. */
async function setUpTenant(tenant: Tenant): Promise<void> {
  const plan = PLAN[tenant];
  const admin = await signedIn(tenant, plan.people.admin.email);
  const addPerson = async (role: Role, person: { email: string; name: string; agent: string | null }) => {
    const added = await admin.request('POST', '/v1/users', { email: person.email, name: person.name, role, agent: person.agent, password: PASSWORD });
    if (added.status !== 201) throw new Error(`adding ${person.email}: ${added.status} ${JSON.stringify(added.body)}`);
    passwords.set(person.email, PASSWORD);
    const id = (added.body.user as { id: string }).id;
    secrets[tenant].add(id).add(person.email);
    return id;
  };
  const addKey = async (name: string, scopes: string[]) => {
    const created = await admin.request('POST', '/v1/api-keys', { name, scopes });
    if (created.status !== 201) throw new Error(`creating key ${name}: ${created.status} ${JSON.stringify(created.body)}`);
    const key = created.body.key as { id: string };
    secrets[tenant].add(key.id);
    return { id: key.id, token: created.body.token as string };
  };

  const canned = await admin.request('POST', '/v1/canned-responses', { shortcut: 'matrix', title: 'Matrix', text: 'Hello {{customer.name}}' });
  if (canned.status !== 201) throw new Error(`creating a canned response: ${canned.status} ${JSON.stringify(canned.body)}`);
  const cannedId = (canned.body.response as { id: string }).id;
  secrets[tenant].add(cannedId);
  const [agentId, supervisorId, victim, victimKey, ...keys] = await Promise.all([
    addPerson('agent', plan.people.agent),
    addPerson('supervisor', plan.people.supervisor),
    addPerson('agent', plan.victim),
    addKey('victim', ['read']),
    ...SCOPES.map((scope) => addKey(`matrix ${scope}`, [scope])),
  ]);
  const accountIds: Record<Role, string> = { agent: agentId, supervisor: supervisorId, admin: adminAccounts[tenant] };
  const [agentBrowser, supervisorBrowser] = await Promise.all([signedIn(tenant, plan.people.agent.email), signedIn(tenant, plan.people.supervisor.email)]);
  const browsers: Record<Role, Browser> = { agent: agentBrowser, supervisor: supervisorBrowser, admin };
  for (const caller of CALLERS) {
    if (caller.tenant !== tenant) continue;
    if (caller.kind === 'person') held.set(caller, { caller, browser: browsers[caller.role], email: plan.people[caller.role].email, id: accountIds[caller.role] });
    if (caller.kind === 'key') {
      const key = keys[SCOPES.indexOf(caller.scope)]!;
      held.set(caller, { caller, token: key.token, id: key.id });
    }
  }
  for (const h of held.values()) if (h.caller.tenant === tenant && h.id) authIds[tenant].add(h.id);

  // Conversations: the main one and the one to resolve with the agent, one waiting in the team's queue, and a spare customer.
  const customer = `cus_${tenant}_${nanoid(8)}`;
  const customers = { life: `cus_${tenant}_${nanoid(8)}`, pool: `cus_${tenant}_${nanoid(8)}`, spare: `cus_${tenant}_${nanoid(8)}` };
  const agent = plan.people.agent.agent;
  const configApi = (path: string, body: unknown) => viaFetch('POST', path, body, { authorization: `Bearer ${plan.configKey}` });
  const assigned = async (cust: string) => {
    const id = await engine.opened(tenant, cust);
    await engine.triaged(tenant, cust, id, plan.team);
    const answer = await configApi(`/v1/conversations/${id}/assign`, { agent });
    if (answer.status !== 202) throw new Error(`assigning ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
    await engine.conversation(tenant, id, (c) => c.assignee === agent);
    return id;
  };
  const queued = async (cust: string, team: string) => {
    const id = await engine.opened(tenant, cust);
    await engine.triaged(tenant, cust, id, team);
    return id;
  };
  // acme's own `support` queue (globex's team's name) holds one of acme's: a globex principal naming
  // `support` reads globex's queue, an acme one reading globex's `support` gets acme's.
  const decoy = tenant === A ? [queued(`cus_${tenant}_${nanoid(8)}`, 'support')] : [];
  const [conversation, life, pool, spareConversation, ...more] = await Promise.all([
    assigned(customer),
    assigned(customers.life),
    queued(customers.pool, plan.team),
    engine.opened(tenant, customers.spare),
    ...decoy,
  ]);
  ids[tenant] = { tenant, conversation, pool, life, customer, handle: `visitor-${customer}`, spare: customers.spare, agent, team: plan.team, user: victim, key: victimKey.id, canned: cannedId };
  for (const id of [conversation, life, pool, spareConversation, ...more, customer, ...Object.values(customers), configKeyId(plan.configKey), adminAccounts[tenant], plan.people.admin.email]) {
    secrets[tenant].add(id);
  }
  if (more[0]) secrets[tenant].add((await engine.conversation(tenant, more[0])).customer);
  const agents = (tenant === A ? acmeSettings : globexSettings).routing.agents;
  for (const a of agents) secrets[tenant].add(a.id);
}

beforeAll(async () => {
  engine = await startEngine();
  // Each tenant's first admin, as an operator makes one: `cs users add`.
  await Promise.all(
    TENANTS.map(async (tenant) => {
      const admin = PLAN[tenant].people.admin;
      const made = await addUserWithCli(config, ['--tenant', tenant, '--email', admin.email, '--role', 'admin', '--name', admin.name], PASSWORD);
      if (made.code !== 0) throw new Error(`cs users add for ${tenant}: ${made.stderr}`);
      adminAccounts[tenant] = made.stdout.trim();
      passwords.set(admin.email, PASSWORD);
    }),
  );
  await Promise.all(TENANTS.map((tenant) => setUpTenant(tenant)));
  held.set(CALLERS[0]!, { caller: CALLERS[0]! });
}, 180_000);

afterAll(async () => {
  await engine?.close();
  await dropAccounts(config);
});

/** The ids of `foreign` the answer names that the request did not name itself (an echo is no leak). */
function leaked(answer: Answer, request: string, foreign: Iterable<string>): string[] {
  const text = JSON.stringify(answer.body);
  return [...foreign].filter((id) => text.includes(id) && !request.includes(id));
}

/** Runs one cell; returns what is wrong with its answer (nothing: an empty list). */
async function runCell(row: RouteRow, caller: Caller, own: boolean): Promise<string[]> {
  const who = held.get(caller)!;
  const home = caller.tenant as Tenant;
  const idsTenant = own ? home : otherTenant(home);
  const signInEmail = who.email ?? PLAN[home].people.agent.email;
  const input: CellInput = {
    caller,
    ids: ids[idsTenant],
    own,
    n: ++cellNumber,
    signIn: { email: signInEmail, password: passwords.get(signInEmail)! },
    password: who.email ? passwords.get(who.email)! : PASSWORD,
    callerIds: secrets[home],
  };
  const request = row.request(input);
  const expected = expectedOutcome(row, caller, own);
  const refusal = !expected.status.some((s) => s < 300);
  const before = row.method !== 'GET' && refusal ? await engine.logEnd() : undefined;
  const browser = row.freshSession && who.browser ? await signedIn(caller.tenant, who.email!) : who.browser;

  const answer = await send(who, row.method, request.path, request.body, browser);

  const problems: string[] = [];
  const where = `${routeKey(row)} as ${caller.name} with ${own ? 'own' : 'other'} (${idsTenant}) ids`;
  const shown = JSON.stringify(answer.body).slice(0, 300);
  if (!expected.status.includes(answer.status)) problems.push(`${where}: ${answer.status}, expected ${expected.status.join(' or ')}${expected.why ? ` (${expected.why})` : ''}: ${shown}`);
  else if (expected.error && answer.status === expected.status[0] && answer.body.error !== expected.error) problems.push(`${where}: error ${answer.body.error}, expected ${expected.error}: ${shown}`);
  if (expected.permission && answer.body.permission !== expected.permission) problems.push(`${where}: names permission ${String(answer.body.permission)}, expected ${expected.permission}`);
  if (expected.check && expected.status.includes(answer.status) && answer.status < 300) {
    const wrong = expected.check(answer.body, input);
    if (wrong) problems.push(`${where}: ${wrong}`);
  }
  // No answer to a principal of one tenant names the other's ids; refusing anonymous, none at all
  // (a sign-in with the right credentials shows the person signed in, whoever asked).
  const foreign = caller.kind === 'anonymous' && row.access !== 'public' ? [...secrets[A], ...secrets[B]] : secrets[otherTenant(home)];
  const names = leaked(answer, `${request.path} ${JSON.stringify(request.body ?? null)}`, foreign);
  if (names.length > 0) problems.push(`${where}: the answer names ids it must not (${names.join(', ')}): ${shown}`);
  // The control: a read of the caller's own data names some of their tenant's ids, so the check above compares like with like.
  if (own && row.method === 'GET' && row.path !== '/healthz' && answer.status === 200) {
    const text = JSON.stringify(answer.body);
    if (![...secrets[home]].some((id) => id !== home && text.includes(id))) problems.push(`${where}: names none of ${home}'s ids, so the leak check saw nothing: ${shown}`);
  }
  // A refused change appended nothing (the fold appends nothing, and cells run one at a time).
  if (before !== undefined) {
    const after = await engine.logEnd();
    if (after !== before) problems.push(`${where}: refused with ${answer.status}, yet ${after - before} event(s) were appended`);
  }

  // What the cell made is the caller's tenant's from now on.
  if (answer.status === 201 && answer.body.user) secrets[home].add((answer.body.user as { id: string }).id).add((answer.body.user as { email: string }).email);
  if (answer.status === 201 && answer.body.key) secrets[home].add((answer.body.key as { id: string }).id);
  if (answer.status === 201 && answer.body.response) secrets[home].add((answer.body.response as { id: string }).id);
  if (answer.status === 202 && row.path === '/v1/events') {
    secrets[home].add(`cus_iso_${input.n}`);
    for (const id of (answer.body.ids as string[] | undefined) ?? []) secrets[home].add(`cv_${id}`);
  }
  if (row.rotatesPassword && answer.status === 204 && who.email) passwords.set(who.email, nextPassword(input.password));
  results.push({ route: routeKey(row), caller: caller.name, ids: own ? 'own' : 'other', status: answer.status, ...(answer.body.error ? { error: answer.body.error } : {}) });
  return problems;
}

/** The access each route declares, as the API's own route plugins register it (config.access of onRoute). */
async function declaredAccess(harness: ChannelHarness): Promise<Map<string, RouteAccess | undefined>> {
  const probe = createApiServer({
    config,
    redis: harness.ctx.redis,
    eventLog: harness.ctx.eventLog,
    logger: testLogger,
    rejected: harness.ctx.rejected,
    extensions: [...channelRoutes, actionRoutes].map((routes) => (scope) => routes(scope, harness.ctx)),
  });
  // Read once the server is ready: a plugin's scope may set its routes' access in an onRoute hook of
  // its own (the docs, the queue dashboard), which runs after this root one.
  const seen: RouteOptions[] = [];
  probe.addHook('onRoute', (route) => {
    seen.push(route);
  });
  await probe.ready();
  await probe.close();
  const declared = new Map<string, RouteAccess | undefined>();
  for (const route of seen) for (const method of [route.method].flat()) declared.set(`${method} ${route.url}`, route.config?.access);
  return declared;
}

describe(`tenant isolation: ${MATRIX}`, () => {
  it(`the matrix's ${ROUTES.length} routes, ${DOORS.length} doors and ${PLUGIN_ROUTES.length} plugins' routes are the running server's routes (HEAD aside), each declaring the access its row expects`, async () => {
    // printRoutes cannot be parsed back for wildcards (it prints `/assets/*` as `*`): it gives the
    // number of routes; the routes themselves come from a server built the same way (onRoute), and
    // the running server must have each of them.
    const printed = parsePrintedRoutes(engine.harness.app.printRoutes({ commonPrefix: false }));
    const declared = await declaredAccess(engine.harness);
    const served = [...declared.keys()].filter((r) => !r.startsWith('HEAD '));
    for (const route of served) {
      const [method, url] = route.split(' ') as [string, string];
      expect(engine.harness.app.hasRoute({ method: method as 'GET', url }), route).toBe(true);
    }
    // A plugin's root route (`/` under its prefix: /docs, /admin/queues) is served with and without
    // the trailing slash: one route of onRoute, two paths printed.
    const slashTwins = (r: string) => r.endsWith('/') && printed.includes(r.slice(0, -1));
    expect(printed.filter((r) => !r.startsWith('HEAD ') && !slashTwins(r)).length).toBe(served.length);

    expect(new Set(served).size).toBe(served.length);
    expect(served.filter((r) => !pluginOf(r)).sort()).toEqual([...ROUTES.map(routeKey), ...DOORS.map(routeKey)].sort());
    for (const plugin of PLUGIN_ROUTES) {
      const routes = served.filter((r) => pluginOf(r) === plugin);
      expect(routes.length, plugin.prefix).toBeGreaterThan(0);
      expect(Object.fromEntries(routes.map((r) => [r, declared.get(r)]))).toEqual(Object.fromEntries(routes.map((r) => [r, plugin.access])));
    }
    expect(Object.fromEntries(ROUTES.map((r) => [routeKey(r), declared.get(routeKey(r))]))).toEqual(Object.fromEntries(ROUTES.map((r) => [routeKey(r), r.access])));
    expect(Object.fromEntries(DOORS.map((d) => [routeKey(d), declared.get(routeKey(d))]))).toEqual(Object.fromEntries(DOORS.map((d) => [routeKey(d), 'public'])));
  });

  it('the doors answer an anonymous request themselves (their own credential check), never the auth hook’s 401', async () => {
    for (const door of DOORS) {
      const answer = await viaFetch(door.method, door.path, door.method === 'POST' ? {} : undefined, {});
      const message = String(answer.body.message);
      const hook = (answer.status === 401 && message.startsWith('sign in (POST /v1/session)')) || message.includes('declares no access');
      expect(hook, `${routeKey(door)}: ${answer.status} ${JSON.stringify(answer.body)}`).toBe(false);
    }
  });

  it(`the ${CALLERS.length} principals' permissions are the ones the matrix expects (src/domain/access agrees)`, () => {
    for (const caller of CALLERS) {
      if (caller.kind === 'anonymous') continue;
      const principal =
        caller.kind === 'person'
          ? { kind: 'person' as const, tenant: caller.tenant, account: 'acc', role: caller.role, agent: caller.agent }
          : { kind: 'key' as const, tenant: caller.tenant, key: 'key', scopes: [caller.scope] };
      const expected = caller.kind === 'person' ? ROLE_PERMISSIONS[caller.role] : SCOPE_PERMISSIONS[caller.scope];
      expect([...permissionsOf(principal)].sort(), caller.name).toEqual([...expected].sort());
    }
  });

  describe('every cell', () => {
    let started = 0;
    beforeAll(() => {
      started = Date.now();
    });
    afterAll(() => {
      matrixMs = Date.now() - started;
    });

    for (const row of ROUTES) {
      it(`${routeKey(row)} (${row.access}): ${CALLERS.length} principals × ${TENANTS.length} tenants' ids = ${CALLERS.length * TENANTS.length} cells`, async () => {
        const problems: string[] = [];
        for (const caller of CALLERS) for (const own of [true, false]) problems.push(...(await runCell(row, caller, own)));
        expect(problems).toEqual([]);
      });
    }
  });

  it(`all ${CELLS} cells ran; no event of one tenant was caused by a principal of the other or names any id of the other`, async () => {
    const events = await engine.settledEvents();
    expect(results).toHaveLength(CELLS);
    const crossed: string[] = [];
    for (const event of events) {
      const text = JSON.stringify(event);
      for (const tenant of TENANTS) {
        if (event.tenant === tenant) continue;
        if (event.authid !== undefined && authIds[tenant].has(event.authid)) crossed.push(`${event.type} ${event.id} of ${event.tenant} caused by ${tenant}'s ${event.authid}`);
        for (const id of secrets[tenant]) if (text.includes(id)) crossed.push(`${event.type} ${event.id} of ${event.tenant} names ${tenant}'s ${id}`);
      }
    }
    expect(crossed).toEqual([]);

    const byStatus = new Map<number, number>();
    for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const summary = [...byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ');
    // The matrix as it ran: a route a line, each principal's answers with its own tenant's ids / the other's.
    const table = ROUTES.map((row) => {
      const cells = CALLERS.map((caller) => {
        const of = (ids: 'own' | 'other') => results.find((r) => r.route === routeKey(row) && r.caller === caller.name && r.ids === ids)?.status ?? '-';
        return `${of('own')}/${of('other')}`;
      });
      return `${routeKey(row).padEnd(38)} ${cells.map((c) => c.padEnd(8)).join('')}`;
    });
    const header = `${'principals →'.padEnd(38)} ${CALLERS.map((c, i) => `#${i + 1}`.padEnd(8)).join('')}`;
    const legend = CALLERS.map((c, i) => `#${i + 1} ${c.name}`).join(', ');
    console.log([`tenant isolation matrix: ${MATRIX} in ${(matrixMs / 1000).toFixed(1)} s (${summary}); ${events.length} events on the log checked`, legend, header, ...table].join('\n'));
  });
});
