import { afterEach, describe, expect, it } from 'vitest';
import { runEventConsumer, type RunningConsumer } from '../../../src/log/consumer.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { eventually } from '../../support/collect.ts';
import { customerWrote } from '../../support/events.ts';
import { freshTopics, testKafka, testLogger } from '../../support/kafka.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function topicWithEvents(count: number) {
  const kafka = testKafka();
  const topics = await freshTopics(kafka, 2);
  cleanups.push(topics.cleanup);
  const log = await openKafkaEventLog({ kafka, topic: topics.names.events, publishTimeoutMs: 10_000 });
  const events = Array.from({ length: count }, (_, i) => customerWrote('acme', `c-${i % 4}`, `hello ${i}`));
  await log.append(events);
  await log.close();
  return { kafka, topics, events };
}

describe('a consumer that crashes on an error kafkajs does not retry', () => {
  it('is started again and reads on from its committed offsets', async () => {
    const { kafka, topics, events } = await topicWithEvents(20);
    const seen: string[] = [];
    let calls = 0;
    const groupId = `restart-${topics.names.events}`;
    const consumer: RunningConsumer = await runEventConsumer({
      kafka,
      groupId,
      topic: topics.names.events,
      deadLetterTopic: topics.names.deadLetter,
      logger: testLogger,
      handleBatch: async (batch) => {
        // A bug, not an outage: kafkajs gives up on a TypeError and does not restart the consumer.
        if (++calls === 1) throw new TypeError('a bug in the handler');
        seen.push(...batch.events.map((e) => e.event.id));
      },
    });
    cleanups.push(() => consumer.close());

    await eventually('every event handled after the restart', () => new Set(seen).size === events.length, 30_000);
    expect(calls).toBeGreaterThan(1);
    expect(new Set(seen)).toEqual(new Set(events.map((e) => e.id)));
  });

  it('closes promptly while it waits to be started again', async () => {
    const { kafka, topics } = await topicWithEvents(4);
    let calls = 0;
    const consumer = await runEventConsumer({
      kafka,
      groupId: `restart-close-${topics.names.events}`,
      topic: topics.names.events,
      logger: testLogger,
      handleBatch: async () => {
        calls++;
        throw new TypeError('always');
      },
    });
    await eventually('the first crash', () => calls >= 1, 30_000);
    const started = performance.now();
    await consumer.close();
    expect(performance.now() - started).toBeLessThan(5000);
    const after = calls;
    await new Promise((r) => setTimeout(r, 2500));
    expect(calls).toBe(after); // not started again once closed
  });
});
