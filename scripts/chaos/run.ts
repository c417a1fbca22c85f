/**
 * One chaos run from start to end: a broker of its own (unless --short), the provider stand-ins,
 * the roles as processes, load through the doors while every role is SIGKILLed and the broker
 * restarted, quiescence, the invariants, the printed report, and the clean-up (also on failure and
 * Ctrl-C). Returns true when every invariant held.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { nanoid } from 'nanoid';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { createKafka } from '../../src/log/kafka.ts';
import { ensureTopics } from '../../src/log/topics.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { redisConnection } from '../../src/queues/connection.ts';
import { queuePrefix } from '../../src/queues/names.ts';
import { startProviderApis, startSmtpSink } from '../sim/providers.ts';
import { startRedis } from '../stack/redis-node.ts';
import { redisUrl, stackDir, stackUp } from '../stack/stack.ts';
import { startOwnBroker, type OwnBroker } from './broker.ts';
import { checkInbound, checkRebuild, checkReplies, checkSteps, duplicateTimings, tallyTopic, tallyTranscripts, type TimedCall } from './checks.ts';
import { logsDir, removeKafkaResources, removeRedisKeys, runsDir, sweepStaleRuns, writeRunState, type RunState } from './cleanup.ts';
import { chaosDeployment, TENANT, type ChaosDeployment } from './deployment.ts';
import { computeRecoveries, injectFaults, planFaults, type FaultRecord } from './faults.ts';
import { Load } from './load.ts';
import { needsOwnBroker, type ChaosOptions } from './options.ts';
import { AdminLink, probeKafka, Probes, sum } from './probes.ts';
import { Supervisor } from './processes.ts';
import { waitForQuiescence } from './quiesce.ts';
import { answerLine, report } from './report.ts';

const silent = createLogger({ level: 'silent', name: 'chaos' });

export async function runChaos(o: ChaosOptions): Promise<boolean> {
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  const say = (line: string) => console.log(`[chaos ${(clock() / 1000).toFixed(0).padStart(3)}s] ${line}`);
  const run = nanoid(8).replace(/[^A-Za-z0-9]/g, 'x');
  const loadAtStart = loadavg().map((x) => x.toFixed(1)).join(' ');
  const name = `chaos-${run}`;
  const runDir = join(runsDir, run);
  const logDir = join(logsDir, run);
  await sweepStaleRuns(say);
  mkdirSync(runDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const ownBroker = needsOwnBroker(o);
  if (ownBroker) {
    // Only Redis is shared; the broker is the run's own.
    await startRedis(redisUrl(), join(stackDir, 'redis'), (line) => console.log(`[stack] ${line}`));
  } else {
    await stackUp();
  }
  const base = loadConfig();

  let broker: OwnBroker | null = null;
  let deployment: ChaosDeployment | null = null;
  let supervisor: Supervisor | null = null;
  let probes: Probes | null = null;
  let link: AdminLink | null = null;
  let load: Load | null = null;
  let passed = false;
  const closers: Array<() => Promise<unknown>> = [];
  const redis = redisConnection(base.redis.url, `${name}-harness`);
  const state: RunState = {
    harnessPid: process.pid,
    name,
    redisUrl: base.redis.url,
    brokers: base.kafka.brokers,
    sharedBroker: !ownBroker,
    topics: [],
    groups: [],
    rolePids: [],
    brokerDir: null,
  };
  writeRunState(runDir, state);

  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      load?.stop();
      if (supervisor) await supervisor.stopAll(10_000).catch((err: Error) => say(`stopping the roles: ${err.message}`));
      await probes?.stop().catch(() => undefined);
      for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
      if (deployment && !ownBroker) {
        const c = deployment.config;
        await removeKafkaResources(c.kafka.brokers, name, Object.values(c.kafka.topics), deployment.groups).catch((err: Error) => say(`removing topics and groups: ${err.message}`));
      }
      await link?.close();
      await broker?.dispose().catch((err: Error) => say(`stopping the run's broker: ${err.message}`));
      const removed = await removeRedisKeys(base.redis.url, name).catch((err: Error) => {
        say(`removing Redis keys: ${err.message}`);
        return -1;
      });
      redis.disconnect();
      rmSync(runDir, { recursive: true, force: true });
      if (passed) rmSync(logDir, { recursive: true, force: true });
      say(`cleaned up: processes stopped, ${ownBroker ? "the run's broker stopped and removed" : 'topics and groups deleted'}, ${removed} Redis keys removed${passed ? '' : `; role logs kept in ${relative(process.cwd(), logDir)}`}`);
    })());
  const interrupted = (signal: string) => {
    say(`${signal}: stopping and cleaning up`);
    if (supervisor) supervisor.stopping = true;
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupted('SIGINT'));
  process.once('SIGTERM', () => interrupted('SIGTERM'));

  try {
    const providers = await startProviderApis();
    closers.push(() => providers.close());
    const sink = await startSmtpSink();
    closers.push(() => sink.close());
    if (ownBroker) {
      say('starting a Kafka broker of the run’s own (a KRaft node on free ports)');
      broker = await startOwnBroker(runDir);
      state.brokerDir = broker.dir;
      say(`broker up at ${broker.address}`);
    }
    const brokers = broker ? [broker.address] : base.kafka.brokers;
    const d = (deployment = await chaosDeployment(base, run, o, { brokers, providers: { url: providers.url, smtpPort: sink.port } }));
    const c = d.config;
    Object.assign(state, { brokers, topics: Object.values(c.kafka.topics), groups: d.groups });
    writeRunState(runDir, state);
    const configDir = join(runDir, 'config');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'default.yaml'), stringify(c));

    const kafka = createKafka(c.kafka, silent);
    await provision(kafka, c, say);
    link = new AdminLink(probeKafka(brokers, `${name}-probe`));

    const sup = (supervisor = new Supervisor({
      configDir,
      logDir,
      logLevel: c.log.level,
      pauseMs: o.pauseMs,
      clock,
      say,
      onPids: (pids) => {
        state.rolePids = pids;
        writeRunState(runDir, state);
      },
    }));
    for (const [process, role] of [
      ['api', 'api'],
      ['fold-bridge', 'fold-bridge'],
      ['fold-worker-1', 'fold-worker'],
      ['fold-worker-2', 'fold-worker'],
      ['workflow', 'workflow'],
      ['outbound', 'outbound'],
    ] as const) {
      sup.add(process, role);
    }
    say(`run ${run}: topic ${c.kafka.topics.events} (${c.kafka.partitions} partitions) on ${brokers.join(',')}, namespace ${c.fold.namespace}, tenant ${TENANT}; starting api, fold-bridge, 2 fold-workers, workflow, outbound as processes`);
    sup.startAll();
    await waitReady(d, link, redis, say);
    await agentsOnline(d, say);

    probes = new Probes({ link, redis, group: c.fold.consumerGroup, outboundGroup: c.outbound.consumerGroup, topic: c.kafka.topics.events, workflowQueue: c.fold.workflowQueue, clock });
    const p = probes;
    const calls: TimedCall[] = [];
    providers.onCall((call) => {
      const at = clock();
      p.deliveries.push(at);
      calls.push({ at, call });
    });
    p.start();

    const plan = planFaults({ durationMs: o.durationS * 1000, seed: o.seed, brokerRestarts: o.brokerRestarts, short: o.short, only: o.faults });
    const l = (load = new Load({ deployment: d, maxInFlight: o.maxInFlight, rate: o.rate, replyShare: o.replyShare, seed: o.seed, retryBudgetMs: o.retryBudgetS * 1000, clock }));
    say(
      `load: ${o.rate} customer messages/s (SMS and WhatsApp) and ${(o.rate * o.replyShare).toFixed(1)} agent replies/s for ${o.durationS} s, seed ${o.seed}; ` +
        `faults: ${plan.map((f) => `${f.target} at ${(f.atMs / 1000).toFixed(0)} s`).join(', ')}`,
    );
    const loop = monitorEventLoopDelay({ resolution: 20 });
    loop.enable();
    const loadStart = clock();
    const faults: FaultRecord[] = [];
    const status = setInterval(() => {
      const sm = l.summary();
      const fold = p.latestFold();
      const lagNow = fold ? sum(fold.ends) - sum(fold.committed) : null;
      say(
        `${((clock() - loadStart) / 1000).toFixed(0)} s: messages ${sm.inbound.sent} sent, ${sm.inbound.accepted} accepted, ${sm.inbound.pending} retrying, ${sm.inbound.gaveUp} given up; ` +
          `replies ${sm.replies.sent} sent, ${sm.replies.accepted} accepted, ${sm.replies.pending} retrying; fold lag ${lagNow ?? '?'}; provider deliveries ${p.deliveries.length}; faults ${faults.length}/${plan.length}; answers ${answerLine(l.answers)}`,
      );
    }, 10_000);
    try {
      await Promise.all([l.run(o.durationS * 1000), injectFaults(plan, loadStart, { supervisor: sup, broker, brokerKill: o.brokerKill, probes: p, pauseMs: o.pauseMs, clock, say }, faults)]);
      say(`load done; waiting for ${l.pending} requests still being retried (up to ${o.retryBudgetS} s each)`);
      await l.settle();
    } finally {
      clearInterval(status);
    }
    const sm = l.summary();
    say(`all requests settled: ${sm.inbound.accepted}/${sm.inbound.sent} customer messages and ${sm.replies.accepted}/${sm.replies.sent} replies accepted; waiting for quiescence`);
    const quiescence = await waitForQuiescence(d, link, redis, { timeoutMs: o.quiesceTimeoutS * 1000, stepsGraceMs: o.stepsGraceS * 1000, clock, say });
    say(
      quiescence.reached
        ? `quiet after ${(quiescence.ms / 1000).toFixed(1)} s${quiescence.stepsWaiting ? ` (${quiescence.stepsWaiting} workflow steps still waiting to retry)` : ''}`
        : `not quiet after ${o.quiesceTimeoutS} s: ${quiescence.pending.join('; ')}`,
    );
    await p.stop();
    loop.disable();
    computeRecoveries(faults, p, l, calls);

    say('checking: reading the whole topic, the transcripts, the queues; rebuilding the projections');
    const topic = await tallyTopic(kafka, c.kafka.topics.events);
    const transcripts = await tallyTranscripts(redis, c.fold.namespace);
    const inbound = checkInbound(l, topic, transcripts.byEventId);
    const replies = checkReplies(l, topic, transcripts.byEventId, calls);
    const epochAtStart = Date.now() - clock();
    const findings = {
      faults,
      duplicateTimings: {
        inbound: duplicateTimings(inbound.duplicatedIds, topic, faults, epochAtStart),
        replies: duplicateTimings(replies.duplicatedIds, topic, faults, epochAtStart),
      },
      unplanned: sup.unplanned,
      quiescence,
      topic,
      transcripts,
      inbound,
      replies,
      answers: l.answers,
      repliesSkipped: sm.replies.skipped,
      steps: await checkSteps(d, redis),
      rebuild: await checkRebuild(d, configDir, link, redis),
      retryBudgetS: o.retryBudgetS,
      quiesceTimeoutS: o.quiesceTimeoutS,
      maxRecoveryS: o.maxRecoveryS,
      maxBrokerRecoveryS: o.maxBrokerRecoveryS,
    };
    const header =
      `chaos run ${run}: ${o.rate} messages/s + ${(o.rate * o.replyShare).toFixed(1)} replies/s for ${o.durationS} s, seed ${o.seed}, ` +
      `${ownBroker ? `own broker (${o.brokerRestarts} restart${o.brokerRestarts === 1 ? '' : 's'}${o.brokerKill ? ', SIGKILL' : ''})` : 'shared broker, no restart'}, ` +
      `roles restarted ${o.pauseMs / 1000} s after each kill, fold lock ${o.foldLockMs / 1000} s / stall check ${o.foldStalledMs / 1000} s; ${(clock() / 1000).toFixed(0)} s so far\n` +
      `machine: ${cpus().length} cores, load average ${loadAtStart} at the start, ${loadavg().map((x) => x.toFixed(1)).join(' ')} now; ` +
      `the harness's own event loop lagged p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms, at most ${(loop.max / 1e6).toFixed(0)} ms` +
      (loop.max / 1e6 > 2000 ? ' (a busy machine: timings, and provider calls timed out by the engine, may come from it)' : '');
    const result = report(findings, header);
    for (const line of result.lines) console.log(line);
    passed = result.pass;
    return result.pass;
  } finally {
    await cleanup();
  }
}

/** Creates the run's topics; a broker that has only just started may refuse for a few seconds. */
async function provision(kafka: ReturnType<typeof createKafka>, c: ChaosDeployment['config'], say: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await ensureTopics(admin, Object.values(c.kafka.topics).map((topic) => ({ topic, partitions: c.kafka.partitions, replicationFactor: 1 })));
      return;
    } catch (err) {
      if (attempt >= 10) throw err;
      say(`creating the topics: ${(err as Error).message}; trying again`);
      await sleep(3000);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/** Until the deployment serves: the API is healthy, both consumer groups are stable, every BullMQ worker is connected. */
async function waitReady(d: ChaosDeployment, link: AdminLink, redis: ReturnType<typeof redisConnection>, say: (line: string) => void): Promise<void> {
  const c = d.config;
  const queues = [
    { name: c.fold.queue, workers: 2 },
    { name: c.fold.workflowQueue, workers: 1 },
    { name: c.outbound.queue, workers: 1 },
  ].map((q) => ({ ...q, queue: new Queue(q.name, { connection: redis, prefix: queuePrefix(q.name) }) }));
  const started = Date.now();
  const deadline = started + 180_000;
  let told = started;
  let waiting: string[] = [];
  try {
    while (Date.now() < deadline) {
      waiting = [];
      const health = await fetch(`${d.url}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0);
      if (health !== 200) waiting.push('api');
      const groups = await link.use((admin) => admin.describeGroups([c.fold.consumerGroup, c.outbound.consumerGroup])).catch(() => null);
      for (const group of [c.fold.consumerGroup, c.outbound.consumerGroup]) {
        const g = groups?.groups.find((x) => x.groupId === group);
        if (!g || g.state !== 'Stable' || g.members.length === 0) waiting.push(`group ${group}`);
      }
      for (const q of queues) if ((await q.queue.getWorkersCount()) < q.workers) waiting.push(`workers of ${q.name}`);
      if (waiting.length === 0) {
        say(`deployment ready after ${((Date.now() - started) / 1000).toFixed(0)} s: api healthy, fold and outbound groups stable, fold/workflow/outbound workers connected`);
        return;
      }
      if (Date.now() - told > 15_000) {
        say(`starting: waiting for ${waiting.join(', ')}`);
        told = Date.now();
      }
      await sleep(500);
    }
  } finally {
    await Promise.all(queues.map((q) => q.queue.close()));
  }
  throw new Error(`the deployment did not become ready within 180 s (waiting for ${waiting.join(', ')})`);
}

/** Every agent of the tenant goes online (so routing drains place conversations), through the API. */
async function agentsOnline(d: ChaosDeployment, say: (line: string) => void): Promise<void> {
  const agents = d.settings.routing.agents.map((a) => a.id);
  for (const agent of agents) {
    for (let attempt = 1; ; attempt++) {
      const status = await fetch(`${d.url}/v1/agents/${encodeURIComponent(agent)}/status`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${d.apiKey}`, 'content-type': 'application/json', 'idempotency-key': `${d.name}-online-${agent}` },
        body: JSON.stringify({ status: 'online' }),
        signal: AbortSignal.timeout(30_000),
      }).then((r) => r.status, () => 0);
      if (status === 202) break;
      if (attempt >= 20) throw new Error(`PUT /v1/agents/${agent}/status answered ${status}`);
      await sleep(500);
    }
  }
  say(`agents online: ${agents.join(', ')}`);
}
