/**
 * npm run bench:fold — sustained fold throughput and event-to-projection lag, with BullMQ's no-op
 * one-job-per-event rate measured in the same run as the baseline.
 *
 *   BENCH_EVENTS (default 400000), BENCH_CUSTOMERS (10000), BENCH_PARTITIONS (12),
 *   BENCH_LAG_RATE (5000 events/s), BENCH_LAG_SECONDS (20, measured after BENCH_LAG_WARMUP, 3 s,
 *   of the same load: connections, JIT and the first fetches settle), BENCH_WORKERS (1 fold worker process),
 *   BENCH_LAG_ONLY=1 (skip the baseline and the throughput phase)
 */
import { spawn } from 'node:child_process';
import { Queue, Worker } from 'bullmq';
import { nanoid } from 'nanoid';
import type { AnyEvent } from '../events/index.ts';
import { loadConfig } from '../src/config/load.ts';
import { defaultFoldPolicy } from '../src/domain/fold/policy.ts';
import { foldPolicies } from '../src/config/policies.ts';
import type { Config } from '../src/config/schema.ts';
import { provisionTopics } from '../src/log/topics.ts';
import { startBridgeRole } from '../src/roles/fold-bridge.ts';
import { startFoldWorker } from '../src/fold/worker.ts';
import { createKafka } from '../src/log/kafka.ts';
import { openKafkaEventLog } from '../src/log/event-log.ts';
import { createLogger } from '../src/observability/logger.ts';
import { redisConnection } from '../src/queues/connection.ts';
import { queuePrefix } from '../src/queues/names.ts';
import { generateStream } from '../scripts/sim/stream.ts';
import { stackUp } from '../scripts/stack/stack.ts';
import { dropNamespace } from '../tests/support/namespace.ts';
import { groupLag } from '../src/log/group-lag.ts';
import { exited, spawnRole, writeConfigDir } from '../tests/support/workers.ts';
import { fmt, obliterate, percentile, sleep } from './support.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 400_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 10_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 12);
const LAG_RATE = Number(process.env.BENCH_LAG_RATE ?? 5000);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 20);
const LAG_WARMUP = Number(process.env.BENCH_LAG_WARMUP ?? 3);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'bench' });

function benchConfig(): Config {
  const id = nanoid(6).replace(/[^A-Za-z0-9]/g, 'x');
  const base = loadConfig();
  return {
    ...base,
    instance: `bench-${id}`,
    kafka: { ...base.kafka, partitions: PARTITIONS, topics: { events: `bench.${id}.events`, deadLetter: `bench.${id}.dlq`, rejectedInput: `bench.${id}.rejected` } },
    fold: { ...base.fold, namespace: `bench-${id}`, consumerGroup: `bench-fold-${id}`, queue: `bench-fold-${id}`, workflowQueue: `bench-wf-${id}` },
  };
}

async function baselineBullmqNoop(redisUrl: string, jobs: number) {
  const name = `bench-noop-${nanoid(6)}`;
  const redis = redisConnection(redisUrl, 'bench-noop');
  const queue = new Queue(name, { connection: redis, prefix: queuePrefix(name) });
  const t0 = performance.now();
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addBulk(Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({ name: 'e', data: { i: i + k }, opts: { removeOnComplete: true } })));
  }
  const added = performance.now();
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker(name, async () => undefined, { connection: redisConnection(redisUrl, 'bench-noop-w'), prefix: queuePrefix(name), concurrency: 100 });
    worker.on('completed', () => {
      if (++done === jobs) void worker.close().then(resolve);
    });
  });
  await finished;
  const processed = performance.now();
  await obliterate(redis, [name]);
  await queue.close();
  redis.disconnect();
  return { addRate: jobs / ((added - t0) / 1000), processRate: jobs / ((processed - added) / 1000), endToEnd: jobs / ((processed - t0) / 1000) };
}

async function publishAll(config: Config, events: AnyEvent[]) {
  const log = await openKafkaEventLog({ kafka: createKafka(config.kafka, logger), topic: config.kafka.topics.events, publishTimeoutMs: 60_000 });
  for (let i = 0; i < events.length; i += 5000) await log.append(events.slice(i, i + 5000));
  await log.close();
}

/**
 * As deployed: the bridge and the fold workers as processes of their own (this one holds the whole
 * backlog in memory, and its garbage collection would be charged to a bridge living here).
 * BENCH_NO_TRIGGERS's second run keeps the bridge here: the role has no switch for it.
 */
async function foldThroughput(config: Config, events: AnyEvent[], triggers = true) {
  await provisionTopics(config, logger);
  await publishAll(config, events);
  const configDir = writeConfigDir({ ...config, fold: { ...config.fold, concurrency: PARTITIONS } });
  const workers = Array.from({ length: WORKERS }, () => spawnRole('fold-worker', configDir));
  await sleep(2000); // the worker processes are up
  const t0 = performance.now();
  const bridgeProcess = triggers ? spawnRole('fold-bridge', configDir) : null;
  const bridge = bridgeProcess
    ? {
        close: async () => {
          bridgeProcess.kill('SIGTERM');
          await exited(bridgeProcess);
        },
      }
    : await startBridgeRole(config, logger, { triggers });
  // Sustained: from the first poll that finds a fifth of the backlog committed to the last commit,
  // so the start (connections, the group join, the first fetch) is left out; the bridge reads at
  // most one fetch (8 MB) ahead of the fold, a small share of the rest. The whole span is reported too.
  const kafka = createKafka(config.kafka, logger);
  let first: { at: number; committed: number } | null = null;
  let start: number | undefined;
  for (;;) {
    const lag = Number(await groupLag(kafka, config.fold.consumerGroup, config.kafka.topics.events));
    if (first === null && lag < events.length) start = start ?? performance.now();
    if (first === null && lag <= events.length * 0.8) first = { at: performance.now(), committed: events.length - lag };
    if (lag === 0) break;
    if (performance.now() - t0 > 600_000) throw new Error('the fold did not catch up within 10 minutes');
    await sleep(50);
  }
  const end = performance.now();
  const seconds = (end - t0) / 1000;
  const sustained = first && end > first.at ? (events.length - first.committed) / ((end - first.at) / 1000) : NaN;
  await bridge.close();
  for (const w of workers) {
    w.kill('SIGTERM');
    await exited(w);
  }
  return { seconds, rate: events.length / seconds, sustained, startSeconds: start !== undefined ? (start - t0) / 1000 : NaN };
}

async function foldLag(config: Config) {
  const redis = redisConnection(config.redis.url, 'bench-lag');
  const lags: Array<{ time: number; lag: number }> = [];
  const worker = startFoldWorker({
    connection: redisConnection(config.redis.url, 'bench-lag-w'),
    redis,
    queues: { fold: config.fold.queue, workflow: config.fold.workflowQueue },
    policies: foldPolicies(config.tenants),
    concurrency: PARTITIONS,
    lockDurationMs: 30_000,
    stalledIntervalMs: 15_000,
    logger,
    // Event time is the publish instant here, so now - time is the event-to-projection lag.
    onCommitted: (events) => {
      const now = Date.now();
      for (const e of events) {
        const time = Date.parse(e.event.time);
        lags.push({ time, lag: now - time });
      }
    },
  });
  // As deployed: the bridge is a process of its own (the fold-bridge role), the worker here, where
  // its commits can be timed.
  const configDir = writeConfigDir(config);
  const bridgeProcess = spawnRole('fold-bridge', configDir);
  const bridge = {
    close: async () => {
      bridgeProcess.kill('SIGTERM');
      await exited(bridgeProcess);
    },
  };
  await sleep(5000); // the bridge started, group joined, partitions assigned
  // The load comes from a process of its own, as the API's would: it must not share the fold's event loop.
  const publisher = spawn(process.execPath, ['--import', 'tsx', 'bench/paced-publisher.ts'], {
    env: { ...process.env, CS_CONFIG_DIR: configDir, PUBLISH_RATE: String(LAG_RATE), PUBLISH_SECONDS: String(LAG_SECONDS + LAG_WARMUP), PUBLISH_CUSTOMERS: String(CUSTOMERS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  publisher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await exited(publisher);
  const [, sentText, rateText] = /sent (\d+) (\d+)/.exec(output) ?? [];
  if (!sentText) throw new Error(`the publisher did not finish: ${output}`);
  const seq = Number(sentText);
  const sent = seq;
  const deadline = Date.now() + 60_000;
  while (lags.length < sent && Date.now() < deadline) await sleep(100);
  await bridge.close();
  await worker.close();
  // The load's first instant, and the end of its warm-up: what follows is the sustained figure.
  const cut = Math.min(...lags.map((l) => l.time)) + LAG_WARMUP * 1000;
  const summary = (values: number[]) => {
    const sorted = values.sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
  };
  return {
    sent,
    folded: lags.length,
    actualRate: Number(rateText),
    ...summary(lags.filter((l) => l.time >= cut).map((l) => l.lag)),
    warmup: summary(lags.filter((l) => l.time < cut).map((l) => l.lag)),
  };
}

/**
 * The backlog phase. Its events live only here: the lag phase that follows runs the bridge and the
 * fold in this process, and must not pay for collecting a heap holding the whole backlog.
 */
async function throughputPhase(config: Config, baselineRate: number): Promise<void> {
  const events = [...generateStream({ events: EVENTS, customers: CUSTOMERS, seed: 11, policy: defaultFoldPolicy })];
  const fold = await foldThroughput(config, events);
  console.log(
    `fold      sustained: ${fmt(fold.sustained)} events/s (Kafka to Redis projections, from a fifth committed to caught up) = ${(fold.sustained / baselineRate).toFixed(2)}x the no-op baseline; ` +
      `whole run ${fmt(fold.rate)} events/s (${fmt(EVENTS)} events in ${fold.seconds.toFixed(1)}s, of which ${fold.startSeconds.toFixed(1)}s to the first commit)`,
  );
  if (process.env.BENCH_NO_TRIGGERS) {
    const f = await foldThroughput(benchConfig(), events, false);
    console.log(`fold      without workflow steps: sustained ${fmt(f.sustained)} events/s, whole run ${fmt(f.rate)} events/s`);
  }
}

async function main() {
  await stackUp();
  console.log(`bench:fold — ${fmt(EVENTS)} events, ${fmt(CUSTOMERS)} customers, ${PARTITIONS} partitions`);
  const config = loadConfig();
  const throughputConfig = benchConfig();
  if (!process.env.BENCH_LAG_ONLY) {
    const baseline = await baselineBullmqNoop(config.redis.url, Math.min(EVENTS, 100_000));
    console.log(`baseline  BullMQ no-op, one job per event: add ${fmt(baseline.addRate)}/s, process ${fmt(baseline.processRate)}/s, end to end ${fmt(baseline.endToEnd)}/s`);
    await throughputPhase(throughputConfig, baseline.endToEnd);
  }

  const lagConfig = benchConfig();
  const lag = await foldLag(lagConfig);
  console.log(
    `lag       at ${fmt(lag.actualRate)} events/s for ${LAG_SECONDS}s after a ${LAG_WARMUP}s warm-up: p50 ${fmt(lag.p50)} ms, p99 ${fmt(lag.p99)} ms, max ${fmt(lag.max)} ms ` +
      `(${fmt(lag.folded)}/${fmt(lag.sent)} folded; during the warm-up p99 ${fmt(lag.warmup.p99)} ms, max ${fmt(lag.warmup.max)} ms)`,
  );

  const redis = redisConnection(config.redis.url, 'bench-cleanup');
  for (const c of process.env.BENCH_LAG_ONLY ? [lagConfig] : [throughputConfig, lagConfig]) {
    await dropNamespace(redis, c.fold.namespace);
    await obliterate(redis, [c.fold.queue, c.fold.workflowQueue]);
    const admin = createKafka(c.kafka, logger).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(c.kafka.topics) }).catch(() => undefined);
    await admin.disconnect();
  }
  redis.disconnect();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
