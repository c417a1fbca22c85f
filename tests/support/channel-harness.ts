import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import type { AnyEvent } from '../../events/index.ts';
import { buildChannelContext } from '../../src/channels/build.ts';
import type { ChannelContext, ChannelRoutes } from '../../src/channels/context.ts';
import type { Config } from '../../src/config/schema.ts';
import { provisionTopics } from '../../src/log/topics.ts';
import { openKafkaEventLog } from '../../src/log/event-log.ts';
import { createKafka } from '../../src/log/kafka.ts';
import { runEventConsumer } from '../../src/log/consumer.ts';
import { createApiServer } from '../../src/api/server.ts';
import { testLogger } from './kafka.ts';

export interface ChannelHarness {
  config: Config;
  ctx: ChannelContext;
  app: FastifyInstance;
  /** http://127.0.0.1:<port> of the listening server. */
  url: string;
  /** Every event that reached the topic so far, in log order per partition. */
  events: AnyEvent[];
  /** Raw records on the rejected-input topic: reason header and body (and the event it was taken as, when it was). */
  rejected(): Promise<Array<{ reason: string; provider: string; body: string; eventId?: string }>>;
  close(): Promise<void>;
}

/**
 * A real HTTP server with the given channel routes, over real Kafka and Redis, for a test config
 * (see testConfig), with a consumer collecting what lands on the event topic.
 */
export async function startChannelHarness(config: Config, routes: ChannelRoutes[]): Promise<ChannelHarness> {
  await provisionTopics(config, testLogger);
  const kafka = createKafka(config.kafka, testLogger);
  const redis = new Redis(config.redis.url);
  const eventLog = await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs });
  const ctx = await buildChannelContext({ config, redis, eventLog, logger: testLogger });
  const app = createApiServer({ config, redis, eventLog: ctx.eventLog, privacy: ctx.privacy, logger: testLogger, rejected: ctx.rejected, extensions: routes.map((r) => (scope) => r(scope, ctx)) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const events: AnyEvent[] = [];
  const consumer = await runEventConsumer({
    kafka,
    groupId: `harness-${config.instance}`,
    topic: config.kafka.topics.events,
    logger: testLogger,
    partitionsConsumedConcurrently: config.kafka.partitions,
    handleBatch: async (batch) => {
      events.push(...batch.events.map((e) => e.event));
    },
  });
  return {
    config,
    ctx,
    app,
    url,
    events,
    async rejected() {
      const reader = kafka.consumer({ groupId: `rejected-${config.instance}-${Date.now()}` });
      const out: Array<{ reason: string; provider: string; body: string; eventId?: string }> = [];
      await reader.connect();
      await reader.subscribe({ topic: config.kafka.topics.rejectedInput, fromBeginning: true });
      const admin = kafka.admin();
      await admin.connect();
      const total = (await admin.fetchTopicOffsets(config.kafka.topics.rejectedInput)).reduce((n, p) => n + Number(p.high), 0);
      await admin.disconnect();
      await new Promise<void>((resolve) => {
        if (total === 0) return resolve();
        void reader.run({
          eachMessage: async ({ message }) => {
            out.push({
              reason: message.headers?.rejected_reason?.toString() ?? '',
              provider: message.headers?.rejected_provider?.toString() ?? '',
              body: message.value?.toString() ?? '',
              ...(message.headers?.rejected_event_id ? { eventId: message.headers.rejected_event_id.toString() } : {}),
            });
            if (out.length >= total) resolve();
          },
        });
      });
      await reader.disconnect();
      return out;
    },
    async close() {
      await app.close();
      await consumer.close();
      await ctx.rejected.close();
      await eventLog.close();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
      await admin.disconnect();
      for (const pattern of [`cs:id:{${config.instance}:*`, `cs:in:{${config.instance}:*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.unlink(...keys);
        } while (cursor !== '0');
      }
      redis.disconnect();
    },
  };
}
