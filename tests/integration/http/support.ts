import { nanoid } from 'nanoid';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { configSchema, type Config } from '../../../src/config/schema.ts';
import { emptyFold, foldEvents } from '../../../src/domain/fold/customer-fold.ts';
import { conversationView } from '../../../src/domain/fold/fold-state.ts';
import { defaultFoldPolicy } from '../../../src/domain/fold/policy.ts';
import { lazyEventLog } from '../../support/lazy-event-log.ts';
import { createApiServer, type ApiServerOptions } from '../../../src/api/server.ts';
import type { EventLog } from '../../../src/log/event-log.ts';
import { indexEntry } from '../../../src/projections/index-entries.ts';
import { controlKeys, TRANSCRIPT_LIMIT } from '../../../src/projections/keys.ts';
import { ProjectionStore, type CommitOp } from '../../../src/projections/store.ts';
import { testLogger } from '../../support/kafka.ts';
import { dropNamespace } from '../../support/namespace.ts';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const randomId = () => nanoid(10).replace(/[^A-Za-z0-9]/g, 'x');

/** The shipped config, with this spec's deployment names and API keys. */
export function testConfig(apiKeys: Record<string, string>, names: { instance: string; namespace: string } = { instance: 'test-http', namespace: 'test-http' }): Config {
  const shipped = loadConfig({ env: { REDIS_URL: redisUrl } });
  return configSchema.parse({
    ...shipped,
    instance: names.instance,
    kafka: {
      ...shipped.kafka,
      clientId: 'test-http',
      topics: { events: 'unused.events', deadLetter: 'unused.dlq', rejectedInput: 'unused.rejected' },
      partitions: 3,
    },
    fold: { ...shipped.fold, namespace: names.namespace, consumerGroup: 'unused', queue: 'unused', workflowQueue: 'unused' },
    tenants: { defaults: { autoResolveAfter: '24h' } },
    http: { host: '127.0.0.1', port: 0, apiKeys },
    log: { level: 'silent' },
  });
}

/** An event log for specs that only read: opening it is an error, so a stray write would show. */
export const readOnlyEventLog = (): EventLog => lazyEventLog(() => Promise.reject(new Error('this spec does not write events')), 1000);

export interface TestApi {
  app: FastifyInstance;
  url: string;
  redis: Redis;
  /** Two tenants with one API key each; ids are random so parallel specs never meet. */
  tenants: { a: string; b: string };
  keys: { a: string; b: string };
  /** The projection namespace the server reads: its own deployment (instance), so no other spec is affected. */
  namespace: string;
  instance: string;
  store: ProjectionStore;
  /** GET with tenant a's key unless another key (or none: null) is given. */
  get(path: string, key?: string | null): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  close(): Promise<void>;
}

export async function startApi(options: Partial<Pick<ApiServerOptions, 'eventLog' | 'bodyLimit' | 'readTimeoutMs' | 'redis' | 'logger'>> = {}): Promise<TestApi> {
  const id = randomId();
  const tenants = { a: `ta-${id}`, b: `tb-${id}` };
  const keys = { a: `key-a-${id}-0123456789`, b: `key-b-${id}-0123456789` };
  const namespace = `test-http-${id}`;
  const instance = `test-http-${id}`;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const app = createApiServer({
    config: testConfig({ [keys.a]: tenants.a, [keys.b]: tenants.b }, { instance, namespace }),
    redis: options.redis ?? redis,
    eventLog: options.eventLog ?? readOnlyEventLog(),
    logger: options.logger ?? testLogger,
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.readTimeoutMs ? { readTimeoutMs: options.readTimeoutMs } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    redis,
    tenants,
    keys,
    namespace,
    instance,
    store: new ProjectionStore(redis, namespace),
    async get(path, key = keys.a) {
      const response = await fetch(`${url}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
    },
    async close() {
      await app.close();
      await dropNamespace(redis, namespace);
      const control = controlKeys(instance);
      await redis.del(control.activeNamespace, control.liveFold);
      redis.disconnect();
    },
  };
}

/**
 * Writes one customer's projections as the fold would: the domain's fold of `events`, then the
 * keys of `src/projections/keys.ts` (conversations, transcripts, owners, handles, queues) in one commit.
 */
export async function seed(store: ProjectionStore, events: readonly AnyEvent[]) {
  const first = events[0]!;
  const { tenant, customer } = first;
  const { state, effects } = foldEvents(emptyFold(tenant, customer), events, defaultFoldPolicy);
  const { keys } = store;
  const ops: CommitOp[] = [];
  for (const c of Object.values(state.conversations)) {
    ops.push({ o: 'set', key: keys.conversation(tenant, customer, c.id), v: JSON.stringify(conversationView(c)) });
    ops.push({ o: 'hset', key: keys.conversationOwners(tenant), f: c.id, v: customer });
    const entry = indexEntry(c);
    if (entry.queue) ops.push({ o: 'zadd', key: keys.teamQueue(tenant, entry.queue), s: entry.score, m: c.id });
    if (entry.agent) ops.push({ o: 'sadd', key: keys.agentConversations(tenant, entry.agent), m: c.id });
  }
  const lines = new Map<string, string[]>();
  for (const { conversationId, entry } of effects.transcript) lines.set(conversationId, [...(lines.get(conversationId) ?? []), JSON.stringify(entry)]);
  for (const [id, v] of lines) ops.push({ o: 'push', key: keys.transcript(tenant, customer, id), v, n: TRANSCRIPT_LIMIT });
  for (const identity of state.customer?.identities ?? []) ops.push({ o: 'sadd', key: keys.handle(tenant, identity.handle), m: customer });
  const [applied] = await store.commit([{ tenant, customer, expectedPos: null, newPos: String(events.length - 1), fold: state, appliedIds: [], ops }]);
  if (applied !== 'applied') throw new Error(`customer ${tenant}/${customer} was already seeded`);
  return state;
}

type Channel = 'email' | 'chat' | 'sms' | 'social';
const providers: Record<Channel, string> = { email: 'smtp', chat: 'webchat', sms: 'twilio', social: 'whatsapp' };

/** Event builders for seeding; times are given explicitly so every scenario reads in order. */
export const build = {
  received: (tenant: string, customer: string, time: string, d: { channel: Channel; handle: string; text: string; subject?: string }) =>
    createEvent({
      type: 'message.received',
      source: '/tests/http',
      tenant,
      customer,
      time,
      data: { channel: d.channel, provider: providers[d.channel], handle: d.handle, text: d.text, ...(d.subject ? { subject: d.subject } : {}) },
    }),
  sent: (tenant: string, customer: string, time: string, d: { channel: Channel; text: string; agent?: string }) =>
    createEvent({
      type: 'message.sent',
      source: '/tests/http',
      tenant,
      customer,
      time,
      data: { channel: d.channel, provider: providers[d.channel], author: { kind: 'agent', id: d.agent ?? 'agent-1' }, text: d.text },
    }),
  triaged: (tenant: string, customer: string, conversation: string, time: string, d: { team: string; priority: 'low' | 'normal' | 'high' | 'urgent' }) =>
    createEvent({
      type: 'conversation.triaged',
      source: '/tests/http',
      tenant,
      customer,
      conversation,
      time,
      data: { category: 'billing', priority: d.priority, language: 'en', team: d.team },
    }),
  assigned: (tenant: string, customer: string, conversation: string, time: string, agent: string) =>
    createEvent({
      type: 'conversation.assigned',
      source: '/tests/http',
      tenant,
      customer,
      conversation,
      time,
      data: { assignee: agent, team: null, reason: 'manual' },
    }),
  /** The merge is written on both customers' keys; `on` says which one this copy is for. */
  merged: (tenant: string, on: string, time: string, d: { survivor: string; absorbed: string }) =>
    createEvent({
      type: 'customer.merged',
      source: '/tests/http',
      tenant,
      customer: on,
      time,
      data: { survivor: d.survivor, absorbed: d.absorbed, by: { kind: 'agent', id: 'supervisor-1' } },
    }),
};

/** An ISO time `minutes` after a fixed start. */
export const at = (minutes: number) => new Date(Date.parse('2026-01-05T09:00:00.000Z') + minutes * 60_000).toISOString();
