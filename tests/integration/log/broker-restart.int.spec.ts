import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKafkaNode, stopKafkaNode } from '../../../scripts/stack/kafka-node.ts';
import { stackDir } from '../../../scripts/stack/stack.ts';
import type { AnyEvent } from '../../../events/index.ts';
import { runEventConsumer } from '../../../src/log/consumer.ts';
import { openKafkaEventLog } from '../../../src/log/event-log.ts';
import { ensureTopics } from '../../../src/log/topics.ts';
import { eventually } from '../../support/collect.ts';
import { customerWrote } from '../../support/events.ts';
import { freePort } from '../../support/free-port.ts';
import { testKafka, testLogger } from '../../support/kafka.ts';

// A private single-node broker, so stopping it does not disturb the other specs.
const dir = mkdtempSync(join(tmpdir(), 'cs-kafka-restart-'));
let port = 0;
let controllerPort = 0;
const node = () => ({ stackDir, dir, port, controllerPort, heap: '512m' });

beforeAll(async () => {
  port = await freePort();
  controllerPort = await freePort();
  await startKafkaNode(node());
}, 120_000);

afterAll(async () => {
  await stopKafkaNode(dir);
  rmSync(dir, { recursive: true, force: true });
});

describe('the producer across a broker restart', () => {
  it('retries an append made while the broker is down and writes every event exactly once', async () => {
    const kafka = testKafka([`127.0.0.1:${port}`]);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [
      { topic: 'events', partitions: 2, replicationFactor: 1 },
      { topic: 'events.dlq', partitions: 1, replicationFactor: 1 },
    ]);
    await admin.disconnect();
    const log = await openKafkaEventLog({ kafka, topic: 'events', publishTimeoutMs: 90_000 });
    try {
      const first = [customerWrote('acme', 'ann', 'before the restart'), customerWrote('acme', 'ben', 'before the restart')];
      await log.append(first);

      await stopKafkaNode(dir);
      const during = [customerWrote('acme', 'ann', 'while down'), customerWrote('acme', 'ben', 'while down')];
      const pending = log.append(during);
      await new Promise((r) => setTimeout(r, 1500));
      await startKafkaNode(node());
      await pending;

      const after = [customerWrote('acme', 'ann', 'after the restart')];
      await log.append(after);

      const seen: AnyEvent[] = [];
      const consumer = await runEventConsumer({
        kafka,
        groupId: 'restart-check',
        topic: 'events',
        deadLetterTopic: 'events.dlq',
        logger: testLogger,
        handleBatch: async (batch) => {
          seen.push(...batch.events.map((e) => e.event));
        },
      });
      try {
        await eventually('five events read back', () => seen.length >= 5, 60_000);
        await new Promise((r) => setTimeout(r, 1000));
        const ids = seen.map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.sort()).toEqual([...first, ...during, ...after].map((e) => e.id).sort());
        const ann = seen.filter((e) => e.customer === 'ann').map((e) => (e.data as { text: string }).text);
        expect(ann).toEqual(['before the restart', 'while down', 'after the restart']);
      } finally {
        await consumer.close();
      }
    } finally {
      await log.close();
    }
  }, 180_000);
});
