import { Redis } from 'ioredis';
import type { AnyEvent } from '../../../events/index.ts';
import type { ChannelRoutes } from '../../../src/channels/context.ts';
import type { Config } from '../../../src/config/schema.ts';
import type { Conversation, Customer } from '../../../src/domain/state.ts';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { startFoldWorkerRole } from '../../../src/roles/fold-worker.ts';
import { ProjectionReader } from '../../../src/projections/reader.ts';
import { controlKeys } from '../../../src/projections/keys.ts';
import { runEventConsumer, type RunningConsumer } from '../../../src/log/consumer.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { mediaQueueName, startOutboundRole } from '../../../src/roles/outbound.ts';
import { startChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger } from '../../support/kafka.ts';
import { dropNamespace } from '../../support/namespace.ts';
import { deleteKafkaResources, obliterateQueues } from '../../support/teardown.ts';

// The provider stand-ins live in scripts/sim (the demo runs on them too); specs import them from here.
export { startProviderApis, startSmtpSink, type Answer, type ReceivedMail, type RecordedCall } from '../../../scripts/sim/providers.ts';

export const TENANT = 'acme';
export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'twilio-auth-token';
export const TWILIO_FROM = '+15005550006';
export const META_ROUTE = '106540352242922';
export const META_TOKEN = 'EAAG-test-token';
export const WIDGET_KEY = 'wk_acme_test_widget';
export const API_KEY = 'key-acme-0123456789abcdef';
export const SUPPORT_FROM = 'Acme Support <support@acme.test>';

/** A test deployment whose channel config points every provider at the local servers. */
export function outboundConfig(local: { providerUrl: string; smtpPort: number }): Config {
  const base = testConfig();
  return {
    ...base,
    http: { ...base.http, apiKeys: { [API_KEY]: TENANT } },
    channels: {
      ...base.channels,
      twilio: { apiBaseUrl: local.providerUrl, accounts: { [ACCOUNT_SID]: { tenant: TENANT, authToken: AUTH_TOKEN, from: TWILIO_FROM } } },
      meta: { ...base.channels.meta, graphBaseUrl: `${local.providerUrl}/v19.0`, routes: { [META_ROUTE]: { tenant: TENANT, accessToken: META_TOKEN } } },
      email: { ...base.channels.email, outbound: { host: '127.0.0.1', port: local.smtpPort, secure: false, from: SUPPORT_FROM } },
      chat: { widgets: { [WIDGET_KEY]: TENANT } },
    },
  };
}

/** Outbound settings that make a test fast and keep its queue and group apart from every other. */
export const outboundTestSettings = (config: Config, attempts = 3) => ({
  queue: `outbound-${config.instance}`,
  consumerGroup: `outbound-${config.instance}`,
  attempts,
  backoffMs: 100,
  providerTimeoutMs: 5000,
  fromBeginning: true,
});

/** Every event reaching the topic, through a consumer group of the test's own. */
export async function collectEvents(config: Config): Promise<{ events: AnyEvent[]; group: string; close(): Promise<void> }> {
  const events: AnyEvent[] = [];
  const group = `collect-${config.instance}`;
  const consumer: RunningConsumer = await runEventConsumer({
    kafka: createKafka(config.kafka, testLogger),
    groupId: group,
    topic: config.kafka.topics.events,
    partitionsConsumedConcurrently: config.kafka.partitions,
    logger: testLogger,
    handleBatch: async (batch) => {
      events.push(...batch.events.map((e) => e.event));
    },
  });
  return { events, group, close: () => consumer.close() };
}

/** Status events of one message, in log order. */
export const statusesOf = (events: AnyEvent[], messageId: string) =>
  events.flatMap((e) => (e.type === 'message.status_updated' && e.data.messageId === messageId ? [e.data] : []));

async function unlinkMatching(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}

/**
 * Everything a test deployment left: projections, control keys, queues (outbound included), topics
 * (unless already deleted: deleting a missing topic makes kafkajs retry for seconds), groups, keys.
 */
export async function tearDown(config: Config, groups: string[], options: { topics?: boolean } = {}): Promise<void> {
  const redis = new Redis(config.redis.url);
  try {
    const settings = outboundTestSettings(config);
    await dropNamespace(redis, config.fold.namespace);
    const control = controlKeys(config.instance);
    await redis.del(control.activeNamespace, control.liveFold);
    await obliterateQueues(redis, [config.fold.queue, config.fold.workflowQueue, settings.queue, mediaQueueName(settings.queue)]);
    await deleteKafkaResources(createKafka(config.kafka, testLogger), {
      topics: options.topics === false ? [] : Object.values(config.kafka.topics),
      groups: [config.fold.consumerGroup, settings.consumerGroup, ...groups],
    });
    for (const prefix of ['cs:out:', 'cs:out:thread:', 'cs:chat:', 'cs:id:', 'cs:in:']) await unlinkMatching(redis, `${prefix}{${config.instance}:*`);
  } finally {
    redis.disconnect();
  }
}

/**
 * A whole deployment in-process over real Kafka and Redis: the API with the given channel routes,
 * the live fold (bridge + worker), and the outbound role.
 */
export async function startEngine(config: Config, routes: ChannelRoutes[]) {
  const harness = await startChannelHarness(config, routes);
  const bridge = await startBridgeRole(config, testLogger);
  const fold = startFoldWorkerRole(config, testLogger);
  const outbound = await startOutboundRole(config, testLogger, outboundTestSettings(config));
  const reader = new ProjectionReader(harness.ctx.redis, { instance: config.instance, fallback: config.fold.namespace });
  return {
    harness,
    outbound,
    reader,
    /** A folded conversation, once the live fold has written it. */
    async conversation(id: string, ready: (c: Conversation) => boolean = () => true): Promise<Conversation> {
      let found: Conversation | null = null;
      await eventually(`conversation ${id}`, async () => {
        found = await reader.conversation(await reader.scope(TENANT), id);
        return found !== null && ready(found);
      });
      return found!;
    },
    async customer(id: string, ready: (c: Customer) => boolean = () => true): Promise<Customer> {
      let found: Customer | undefined;
      await eventually(`customer ${id}`, async () => {
        found = (await reader.customers(await reader.scope(TENANT), [id])).get(id);
        return found !== undefined && ready(found);
      });
      return found!;
    },
    /** JSON request to the API; the tenant's API key unless another (or none) is given. */
    async api(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }) {
      const response = await fetch(`${harness.url}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
    },
    async close() {
      await outbound.close();
      await bridge.close();
      await fold.close();
      await harness.close();
      await tearDown(config, [`harness-${config.instance}`], { topics: false });
    },
  };
}
