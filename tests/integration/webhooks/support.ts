import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import type { Queue } from 'bullmq';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import type { WebhookSubscription } from '../../../src/config/webhooks.ts';
import { nextTime } from '../../support/events.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger } from '../../support/kafka.ts';
import { deleteKafkaResources, obliterateQueues } from '../../support/teardown.ts';

export const SECRET = 'whsec-test-0123456789abcdef';

/** One request the subscriber received, as it received it. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingMessage['headers'];
  /** The raw body: what the signature covers. */
  body: string;
  /** The event id inside the body. */
  eventId: string;
  /** When it arrived (ms, the test process's clock). */
  arrivedAt: number;
}

/** An answer the subscriber gives; `delayMs` holds it back (a slow subscriber); `retryAfter` is sent as Retry-After. */
export type Answer = { status: number; delayMs?: number; retryAfter?: string };

/**
 * A local HTTP server standing in for a subscriber: records every request and answers 200 unless
 * told otherwise for an event id, one answer per attempt (the last repeats).
 */
export async function startSubscriber() {
  const received: ReceivedWebhook[] = [];
  const scripted = new Map<string, Answer[]>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const eventId = (JSON.parse(body) as { id: string }).id;
      const nth = received.filter((r) => r.eventId === eventId && r.path === req.url).length;
      received.push({ path: req.url ?? '', headers: req.headers, body, eventId, arrivedAt: performance.now() });
      const answers = scripted.get(eventId) ?? [{ status: 200 }];
      const answer = answers[Math.min(nth, answers.length - 1)]!;
      const reply = () => {
        const headers = { 'content-type': 'application/json', ...(answer.retryAfter !== undefined ? { 'retry-after': answer.retryAfter } : {}) };
        if (!res.destroyed) res.writeHead(answer.status, headers).end(JSON.stringify({ status: answer.status }));
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    received,
    /** Requests carrying this event. */
    of: (eventId: string) => received.filter((r) => r.eventId === eventId),
    answer(eventId: string, answers: Answer[]) {
      scripted.set(eventId, answers);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A test deployment (unique topics, queue and group) with these subscriptions. */
export function webhookConfig(subscriptions: Array<Omit<WebhookSubscription, 'secret'> & { secret?: string }>): Config {
  const base = testConfig();
  return { ...base, webhooks: { ...base.webhooks, subscriptions: subscriptions.map((s) => ({ secret: SECRET, ...s })) } };
}

let n = 0;

export function conversationResolved(tenant: string): AnyEvent {
  const id = `resolved-${++n}-${tenant}`;
  return createEvent({ type: 'conversation.resolved', id, source: '/tests', tenant, customer: `c-${n}`, conversation: `cv-${n}`, time: nextTime(), data: { by: { kind: 'agent', id: 'agent-1' }, at: nextTime(0), reason: 'agent' } });
}

export function customerMessage(tenant: string): AnyEvent {
  return createEvent({ type: 'message.received', id: `received-${++n}`, source: '/tests', tenant, customer: `c-${n}`, time: nextTime(), data: { channel: 'chat', provider: 'webchat', handle: `visitor-${n}`, text: 'Where is my parcel?' } });
}

export function surveyAnswered(tenant: string): AnyEvent {
  return createEvent({ type: 'survey.answered', id: `answered-${++n}`, source: '/tests', tenant, customer: `c-${n}`, conversation: `cv-${n}`, time: nextTime(), data: { surveyId: `s-${n}`, kind: 'csat', score: 5 } });
}

export function slaBreached(tenant: string): AnyEvent {
  return createEvent({ type: 'sla.breached', id: `breached-${++n}`, source: '/tests', tenant, customer: `c-${n}`, conversation: `cv-${n}`, time: nextTime(), data: { metric: 'firstResponse', dueAt: nextTime(0) } });
}

/** Every delivery job has run to an end: none waiting, running or delayed for a retry. */
export async function queueIdle(queue: Queue): Promise<boolean> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
  return Object.values(counts).every((c) => c === 0);
}

/** What a webhook test deployment left: its queue, delivery records, topics and groups. */
export async function tearDown(config: Config, groups: string[] = []): Promise<void> {
  const redis = new Redis(config.redis.url);
  try {
    await obliterateQueues(redis, [config.webhooks.queue]);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `cs:wh:{${config.instance}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
    await deleteKafkaResources(createKafka(config.kafka, testLogger), { topics: Object.values(config.kafka.topics), groups: [config.webhooks.consumerGroup, ...groups] });
  } finally {
    redis.disconnect();
  }
}
