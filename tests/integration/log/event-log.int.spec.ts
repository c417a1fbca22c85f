import { afterEach, describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import type { AnyEvent } from '../../../events/index.ts';
import { deadLetterHeaders, runEventConsumer, type RunningConsumer } from '../../../src/log/consumer.ts';
import { openKafkaEventLog, type EventLog } from '../../../src/log/event-log.ts';
import { headerText } from '../../../src/log/record.ts';
import { eventually } from '../../support/collect.ts';
import { customerWrote } from '../../support/events.ts';
import { freshTopics, testKafka, testLogger } from '../../support/kafka.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(partitions = 3) {
  const kafka = testKafka();
  const topics = await freshTopics(kafka, partitions);
  cleanups.push(topics.cleanup);
  const log = await openKafkaEventLog({ kafka, topic: topics.names.events, publishTimeoutMs: 20_000 });
  cleanups.push(() => log.close());
  return { kafka, topics, log };
}

async function consume(kafka: Kafka, topic: string, deadLetterTopic: string, handle: (events: AnyEvent[]) => Promise<void> | void, groupId = `g-${Math.random().toString(36).slice(2)}`) {
  const running: RunningConsumer = await runEventConsumer({
    kafka,
    groupId,
    topic,
    deadLetterTopic,
    partitionsConsumedConcurrently: 3,
    logger: testLogger,
    handleBatch: async (batch) => handle(batch.events.map((e) => e.event)),
  });
  cleanups.push(() => running.close());
  return running;
}

describe('the event log on Kafka', () => {
  it('keeps each customer’s events in publish order across partitions', async () => {
    const { kafka, topics, log } = await setup();
    const customers = ['alice', 'bob', 'carol', 'dave', 'erin'];
    const sent: AnyEvent[] = [];
    for (let round = 0; round < 40; round++) {
      const batch = customers.map((c) => customerWrote('acme', c, `${c} #${round}`));
      sent.push(...batch);
      await log.append(batch);
    }
    const received = new Map<string, string[]>();
    await consume(kafka, topics.names.events, topics.names.deadLetter, (events) => {
      for (const e of events) received.set(e.customer, [...(received.get(e.customer) ?? []), e.id]);
    });
    await eventually('all events consumed', () => [...received.values()].reduce((n, ids) => n + ids.length, 0) >= sent.length);
    for (const c of customers) {
      expect(received.get(c)).toEqual(sent.filter((e) => e.customer === c).map((e) => e.id));
    }
  });

  it('sets a malformed record aside on the dead-letter topic with its reason, and goes on', async () => {
    const { kafka, topics, log } = await setup(1);
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const before = customerWrote('acme', 'zoe', 'first');
    const after = customerWrote('acme', 'zoe', 'second');
    await log.append([before]);
    await producer.send({
      topic: topics.names.events,
      messages: [
        { key: 'acme/zoe', value: '{"not json' },
        { key: 'acme/zoe', value: JSON.stringify({ ...before, id: 'x1', type: 'message.teleported' }) },
        { key: 'acme/zoe', value: JSON.stringify({ ...before, id: 'x2', data: { ...before.data, channel: 'pigeon' } }) },
      ],
    });
    await log.append([after]);

    const handled: string[] = [];
    await consume(kafka, topics.names.events, topics.names.deadLetter, (events) => {
      handled.push(...events.map((e) => e.id));
    });
    await eventually('both valid events handled', () => handled.length === 2);
    expect(handled).toEqual([before.id, after.id]);

    const dead: Array<{ code?: string; reason?: string; offset?: string }> = [];
    const dlqReader = kafka.consumer({ groupId: `dlq-${Date.now()}` });
    await dlqReader.connect();
    cleanups.push(() => dlqReader.disconnect());
    await dlqReader.subscribe({ topic: topics.names.deadLetter, fromBeginning: true });
    await dlqReader.run({
      eachMessage: async ({ message }) => {
        dead.push({
          code: headerText(message.headers, deadLetterHeaders.code),
          reason: headerText(message.headers, deadLetterHeaders.reason),
          offset: headerText(message.headers, deadLetterHeaders.offset),
        });
      },
    });
    await eventually('three dead letters', () => dead.length === 3);
    expect(dead.map((d) => d.code)).toEqual(['invalid_json', 'unknown_type', 'invalid_data']);
    expect(dead.map((d) => d.offset)).toEqual(['1', '2', '3']);
    expect(dead[2]!.reason).toContain('data.channel');
  });

  it('commits only after the handler succeeded: a failed batch is delivered again', async () => {
    const { kafka, topics, log } = await setup(1);
    const events = [customerWrote('acme', 'yuri', 'one'), customerWrote('acme', 'yuri', 'two')];
    await log.append(events);
    let failures = 0;
    const handled: string[] = [];
    await consume(kafka, topics.names.events, topics.names.deadLetter, (batch) => {
      if (failures === 0) {
        failures++;
        throw new Error('the projection store is down');
      }
      handled.push(...batch.map((e) => e.id));
    });
    await eventually('the batch handled after one failure', () => handled.length >= 2, 45_000);
    expect(handled.slice(0, 2)).toEqual(events.map((e) => e.id));
    expect(failures).toBe(1);
  });

  it('hands batches off: commits each once handled, and after a failed hand-off reads again from it, never handling a later record first', async () => {
    const { kafka, topics, log } = await setup(1);
    const events = Array.from({ length: 12 }, (_, i) => customerWrote('acme', 'zoe', `message ${i}`));
    const order = new Map(events.map((e, i) => [e.id, i]));
    // A handler like the fold bridge's: batches handled one after another, later than taken on.
    let chain = Promise.resolve();
    let era = 0;
    let failures = 0;
    const handled: number[] = [];
    const groupId = `g-${Math.random().toString(36).slice(2)}`;
    const running = await runEventConsumer({
      kafka,
      groupId,
      topic: topics.names.events,
      deadLetterTopic: topics.names.deadLetter,
      logger: testLogger,
      handleBatch: async (batch) => {
        const takenIn = era;
        const indices = batch.events.map((e) => order.get(e.event.id)!);
        const handledNow = (chain = chain.then(async () => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          if (takenIn !== era) {
            batch.rewind();
            throw new Error('behind a failed batch');
          }
          if (failures === 0 && indices.includes(5)) {
            failures++;
            era++;
            batch.rewind();
            throw new Error('the projection store is down');
          }
          handled.push(...indices);
        }));
        chain = chain.catch(() => undefined);
        return { handled: handledNow };
      },
    });
    cleanups.push(() => running.close());
    // Published in small appends while the consumer runs, so it takes several batches on.
    for (let i = 0; i < events.length; i += 2) {
      await log.append(events.slice(i, i + 2));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await eventually('every record handled after the failure', () => new Set(handled).size === events.length, 45_000);
    expect(failures).toBe(1);
    // Records may be handled again (the fold ignores repeats), but never before an earlier one.
    const firstTimes = handled.filter((n, i) => handled.indexOf(n) === i);
    expect(firstTimes).toEqual(events.map((_, i) => i));
    for (let i = 1; i < handled.length; i++) if (handled[i]! > handled[i - 1]! + 1) expect.fail(`record ${handled[i]} handled right after ${handled[i - 1]}: ${handled.join(',')}`);
    // Committed up to the end once handled: a new consumer of the group would start after the last record.
    await eventually('offsets committed', async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [topic] = await admin.fetchOffsets({ groupId, topics: [topics.names.events] });
        return topic!.partitions[0]!.offset === String(events.length);
      } finally {
        await admin.disconnect();
      }
    }, 20_000);
  });
});

export type { EventLog };
