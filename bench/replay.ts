/**
 * npm run bench:replay — replay throughput for a KPI report, from a generated NDJSON file and from
 * Kafka, with the raw kafkajs consume rate (consume everything, process nothing) measured in the
 * same run as the Kafka baseline.
 *
 *   BENCH_EVENTS (default 1000000), BENCH_CUSTOMERS (50000), BENCH_KAFKA_EVENTS (300000), BENCH_PARTITIONS (12),
 *   BENCH_ROUNDS (3: raw and ours alternate, the median ratio is reported),
 *   BENCH_SEALED=1 (also replay the same file with its personal fields sealed, as a deployment with
 *   master keys writes them: the cost of sealing to the KPI replay, which never opens them, and a
 *   check that the report is the same)
 */
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
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
import { generateStream } from '../scripts/sim/stream.ts';
import type * as Threaded from '../src/replay/threaded.ts';
import type * as Engine from '../src/replay/engine.ts';
import type * as FastParse from '../src/replay/fast-parse.ts';
import { tenantTargets } from '../src/replay/targets.ts';
import { stackUp } from '../scripts/stack/stack.ts';
import { fmt, median } from './support.ts';
import { mapPersonalFields, sealText } from '../src/privacy/index.ts';
import type { AnyEvent } from '../events/index.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 50_000);
const KAFKA_EVENTS = Number(process.env.BENCH_KAFKA_EVENTS ?? 300_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 12);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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

/**
 * The file with every personal field sealed under a key per customer (as `dk_` keys are: 32 bytes,
 * here derived from the customer so the file is the same each time), made once and kept.
 */
async function sealedCopy(plain: string): Promise<string> {
  const path = plain.replace(/\.ndjson$/, '-sealed.ndjson');
  if (existsSync(path)) return path;
  const writer = createEnvelopeWriter(`${path}.part`);
  for await (const line of createInterface({ input: createReadStream(plain), crlfDelay: Infinity })) {
    if (!line) continue;
    const event = JSON.parse(line) as AnyEvent;
    const key = createHash('sha256').update(`${event.tenant}/${event.customer}`).digest();
    const keyId = `dk_${key.toString('base64url').slice(0, 20)}`;
    await writer.write(mapPersonalFields(event, (value) => sealText(value, key, keyId)));
  }
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
const sibling = (name: string) => new URL(`../.bench/dist/src/replay/${name}.js`, import.meta.url).href;
const { Replay } = (existsSync(compiled) ? await import(sibling('engine')) : await import('../src/replay/engine.ts')) as typeof Engine;
const { readTrusted } = (existsSync(compiled) ? await import(sibling('fast-parse')) : await import('../src/replay/fast-parse.ts')) as typeof FastParse;

/**
 * The raw consume as `cs replay --kafka` meets it: in a thread started for the run, so kafkajs is
 * loaded and compiled cold, as in the replay's own threads and in any fresh `cs` process. Timed
 * from the thread's start to its last record, as the replay is. Needs the compiled modules.
 */
function rawConsumeInThread(topic: string): Promise<{ records: number; bytes: number; seconds: number }> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const { readTopic, replayKafka } = await import(workerData.kafkaSource);
      const kafka = replayKafka(workerData.kafka);
      let bytes = 0;
      const { records } = await readTopic({ kafka, topic: workerData.topic, record: (m) => void (bytes += m.value ? m.value.length : 0) });
      parentPort.postMessage({ records, bytes });
    })().catch((err) => { throw err; });`;
  const t0 = performance.now();
  const worker = new Worker(code, { eval: true, workerData: { kafkaSource: sibling('kafka-source'), kafka: config.kafka, topic } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { records: number; bytes: number }) => {
      resolve({ ...m, seconds: (performance.now() - t0) / 1000 });
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/**
 * Where a fold thread's time goes, on this thread: the file's first lines parsed (JSON.parse and the
 * envelope check), then the parsed events folded into a KPI report, each timed alone. With every
 * core doing only that, the machine could replay at most cores / (parse + fold) events a second:
 * the ceiling the threaded rate is measured against.
 */
function perEventCosts(path: string, lines: number): { parseUs: number; foldUs: number } {
  const bytes = Buffer.allocUnsafe(lines * 400);
  const fd = openSync(path, 'r');
  const filled = readSync(fd, bytes, 0, bytes.length, 0);
  closeSync(fd);
  const texts: string[] = [];
  for (let start = 0, nl = bytes.indexOf(10); nl !== -1 && nl < filled && texts.length < lines; start = nl + 1, nl = bytes.indexOf(10, start)) texts.push(bytes.toString('utf8', start, nl));
  // Parsed and dropped, as a fold thread does; then parsed again, untimed, for the fold to take.
  let t0 = performance.now();
  let parsed = 0;
  for (const text of texts) if (readTrusted(text).ok) parsed++;
  const parseUs = ((performance.now() - t0) * 1000) / texts.length;
  const events = texts.map((text) => readTrusted(text)).flatMap((r) => (r.ok ? [r.event] : []));
  if (events.length !== parsed) throw new Error('the file parsed differently twice');
  const replay = new Replay({ policies, kpi: { groupBy: ['tenant', 'channel', 'week'], targets: tenantTargets(config) } });
  t0 = performance.now();
  for (const e of events) replay.add(e);
  replay.finish();
  const foldUs = ((performance.now() - t0) * 1000) / events.length;
  return { parseUs, foldUs };
}

async function main() {
  console.log(`bench:replay — file ${fmt(EVENTS)} events over ${fmt(CUSTOMERS)} customers; Kafka ${fmt(KAFKA_EVENTS)} events, ${PARTITIONS} partitions; replay ${existsSync(compiled) ? 'compiled' : 'from the sources (tsx)'}`);
  const file = await generatedFile(EVENTS);
  const t0 = performance.now();
  const fromFile = await replayFileThreaded(file, { tenants: config.tenants, kpi: { groupBy: ['tenant', 'channel', 'week'] } });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `file      ${fmt(fromFile.stats.read / seconds)} events/s (${fmt(fromFile.stats.read)} events, ${(statSync(file).size / 1e6).toFixed(0)} MB, in ${seconds.toFixed(1)}s); ` +
      `heap after ${heapMb()} MB; conversations ${fmt(fromFile.stats.conversations)}, at most ${fmt(fromFile.stats.peakConversationsInMemory)} in memory, ${fmt(fromFile.stats.retired)} retired early; customers ${fmt(fromFile.stats.customers)}`,
  );

  let sealed: string | null = null;
  if (process.env.BENCH_SEALED === '1') {
    sealed = await sealedCopy(file);
    const t1 = performance.now();
    const fromSealed = await replayFileThreaded(sealed, { tenants: config.tenants, kpi: { groupBy: ['tenant', 'channel', 'week'] } });
    const sealedSeconds = (performance.now() - t1) / 1000;
    const same = JSON.stringify(fromSealed.report) === JSON.stringify(fromFile.report);
    console.log(
      `sealed    ${fmt(fromSealed.stats.read / sealedSeconds)} events/s (${(statSync(sealed).size / 1e6).toFixed(0)} MB, in ${sealedSeconds.toFixed(1)}s) = ` +
        `${((100 * seconds) / sealedSeconds).toFixed(0)} % of the plain file's rate; the report ${same ? 'is the same' : 'DIFFERS'}`,
    );
    if (!same) throw new Error('the sealed file gave another report');
  }

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

    // Raw: kafkajs consuming everything and decoding nothing, in this process (warm: kafkajs has
    // run here before) and in a fresh thread (cold, as the replay's threads start). The machine is
    // shared with the broker, so the runs alternate for ROUNDS rounds and the median ratios are the figures.
    const warm: number[] = [];
    const cold: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      let t0 = performance.now();
      let bytes = 0;
      const raw = await readTopic({ kafka, topic, record: (m) => void (bytes += m.value?.length ?? 0) });
      const rawRate = raw.records / ((performance.now() - t0) / 1000);
      const fresh = existsSync(compiled) ? await rawConsumeInThread(topic) : null;
      const freshRate = fresh ? fresh.records / fresh.seconds : NaN;
      t0 = performance.now();
      const ours = await replayTopicThreaded(config.kafka, topic, { tenants: config.tenants, kpi: { groupBy: ['tenant', 'channel', 'week'] } });
      const seconds = (performance.now() - t0) / 1000;
      const ourRate = ours.stats.read / seconds;
      warm.push(ourRate / rawRate);
      cold.push(ourRate / freshRate);
      console.log(
        `round ${round}   raw kafkajs consume ${fmt(rawRate)} records/s here, ${fmt(freshRate)} in a fresh thread (${fmt(raw.records)} records, ${(bytes / 1e6).toFixed(0)} MB); ` +
          `cs replay --kafka ${fmt(ourRate)} events/s (${seconds.toFixed(1)}s) = ${((100 * ourRate) / rawRate).toFixed(0)} % / ${((100 * ourRate) / freshRate).toFixed(0)} %`,
      );
    }
    console.log(`kafka     cs replay --kafka, median of ${ROUNDS} rounds: ${(100 * median(warm)).toFixed(0)} % of the raw consume rate here, ${(100 * median(cold)).toFixed(0)} % of it in a fresh thread`);

    // Last: it holds the parsed lines in this process, which must not weigh on the runs above.
    const cores = availableParallelism();
    const cost = perEventCosts(file, Math.min(EVENTS, 300_000));
    console.log(
      `per event one thread: parse ${cost.parseUs.toFixed(2)} µs, fold and KPIs ${cost.foldUs.toFixed(2)} µs; ` +
        `ceiling on ${cores} cores doing nothing else ${fmt((cores * 1e6) / (cost.parseUs + cost.foldUs))} events/s (parsing alone ${fmt((cores * 1e6) / cost.parseUs)})`,
    );
    if (sealed) {
      const sealedCost = perEventCosts(sealed, Math.min(EVENTS, 300_000));
      console.log(`per event one thread, sealed: parse ${sealedCost.parseUs.toFixed(2)} µs, fold and KPIs ${sealedCost.foldUs.toFixed(2)} µs`);
    }
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
