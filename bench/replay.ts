/**
 * npm run bench:replay — replay throughput for a KPI report, from a generated NDJSON file and from
 * Kafka, with the raw kafkajs consume rate (consume everything, process nothing) measured in the
 * same run as the Kafka baseline.
 *
 *   BENCH_EVENTS (default 1000000), BENCH_CUSTOMERS (50000), BENCH_KAFKA_EVENTS (300000), BENCH_PARTITIONS (12)
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { nanoid } from 'nanoid';
import { loadConfig } from '../src/config/load.ts';
import { foldPolicies } from '../src/config/policies.ts';
import { createKafka } from '../src/log/kafka.ts';
import { ensureTopics } from '../src/log/topics.ts';
import { toRecord } from '../src/log/record.ts';
import { createEnvelopeWriter } from '../src/ndjson/codec.ts';
import { createLogger } from '../src/observability/logger.ts';
import { readTopic } from '../src/replay/kafka-source.ts';
import { generateStream } from '../src/sim/stream.ts';
import type * as Threaded from '../src/replay/threaded.ts';
import { stackUp } from '../scripts/stack/stack.ts';
import { fmt } from './support.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50_000);
const KAFKA_EVENTS = Number(process.env.BENCH_KAFKA_EVENTS ?? 300_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 12);
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'bench' });
const config = loadConfig();
const policies = foldPolicies(config.tenants);

/** The generator is slow (it folds what it emits); the file is made once per size and kept. */
async function generatedFile(events: number): Promise<string> {
  const dir = join(process.cwd(), '.bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `replay-${events}-${CUSTOMERS}.ndjson`);
  if (existsSync(path)) return path;
  const writer = createEnvelopeWriter(`${path}.part`);
  for (const e of generateStream({ events, customers: CUSTOMERS, seed: 5, policy: policies('acme'), start: '2025-10-06T08:00:00.000Z', meanGapMs: 900_000 })) await writer.write(e);
  await writer.close();
  const { renameSync } = await import('node:fs');
  renameSync(`${path}.part`, path);
  return path;
}

const heapMb = () => Math.round(process.memoryUsage().heapUsed / 1e6);

// The replay as `cs` runs it once built (containers, `npm run build`): compiled, fold threads
// included. `npm run bench:replay` compiles into .bench/dist first (not dist: the `cs` command
// would run that); without it, the TypeScript sources (tsx).
const compiled = new URL('../.bench/dist/src/replay/threaded.js', import.meta.url);
const { replayFileThreaded, replayTopicThreaded } = (existsSync(compiled) ? await import(compiled.href) : await import('../src/replay/threaded.ts')) as typeof Threaded;

async function main() {
  console.log(`bench:replay — file ${fmt(EVENTS)} events over ${fmt(CUSTOMERS)} customers; Kafka ${fmt(KAFKA_EVENTS)} events, ${PARTITIONS} partitions; replay ${existsSync(compiled) ? 'compiled' : 'from the sources (tsx)'}`);
  const file = await generatedFile(EVENTS);
  let t0 = performance.now();
  const fromFile = await replayFileThreaded(file, { tenants: config.tenants, kpi: { groupBy: ['tenant', 'channel', 'week'] } });
  let seconds = (performance.now() - t0) / 1000;
  console.log(
    `file      ${fmt(fromFile.stats.read / seconds)} events/s (${fmt(fromFile.stats.read)} events, ${(statSync(file).size / 1e6).toFixed(0)} MB, in ${seconds.toFixed(1)}s); ` +
      `heap after ${heapMb()} MB; conversations ${fmt(fromFile.stats.conversations)}, at most ${fmt(fromFile.stats.peakConversationsInMemory)} in memory, ${fmt(fromFile.stats.retired)} retired early; customers ${fmt(fromFile.stats.customers)}`,
  );

  await stackUp();
  const kafka = createKafka(config.kafka, logger);
  const topic = `bench.${nanoid(6).replace(/[^A-Za-z0-9]/g, 'x')}.replay`;
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, partitions: PARTITIONS, replicationFactor: 1 }]);
  try {
    const producer = kafka.producer();
    await producer.connect();
    let batch = [];
    for (const e of generateStream({ events: KAFKA_EVENTS, customers: CUSTOMERS, seed: 6, policy: policies('acme') })) {
      batch.push(toRecord(e));
      if (batch.length === 10_000) {
        await producer.send({ topic, messages: batch });
        batch = [];
      }
    }
    if (batch.length) await producer.send({ topic, messages: batch });
    await producer.disconnect();

    // Both from group join to the last record; the raw one decodes nothing.
    t0 = performance.now();
    let bytes = 0;
    const raw = await readTopic({ kafka, topic, record: (m) => void (bytes += m.value?.length ?? 0) });
    const rawSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const ours = await replayTopicThreaded(config.kafka, topic, { tenants: config.tenants, kpi: { groupBy: ['tenant', 'channel', 'week'] } });
    seconds = (performance.now() - t0) / 1000;
    const rawRate = raw.records / rawSeconds;
    const ourRate = ours.stats.read / seconds;
    console.log(`baseline  raw kafkajs consume: ${fmt(rawRate)} records/s (${fmt(raw.records)} records, ${(bytes / 1e6).toFixed(0)} MB, ${rawSeconds.toFixed(1)}s)`);
    console.log(`kafka     cs replay --kafka: ${fmt(ourRate)} events/s (${seconds.toFixed(1)}s) = ${((100 * ourRate) / rawRate).toFixed(0)} % of the raw consume rate`);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
