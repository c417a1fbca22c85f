/**
 * npm run bench:routing — conversations routed per second against conversations arriving, with
 * BullMQ's no-op job rate (add + process, at the workflow's concurrency) measured in the same run as
 * the baseline.
 *
 * As deployed: the fold bridge, BENCH_FOLD_WORKERS fold workers (2) and BENCH_WORKFLOWS workflow
 * processes (1, each running BENCH_CONCURRENCY steps at once, 16) are processes of their own; this
 * one publishes new chat conversations to Kafka and watches the workflow queue's events. Each phase
 * has a tenant of its own with few agents (BENCH_AGENTS, 4, in one team, BENCH_SEATS chat seats
 * each, 50), all online before the load starts, so seats fill and the rest queue, as under load:
 *
 *   burst: BENCH_BURST (2000) conversations published at once;
 *   paced: BENCH_RATE per second (100, the rate of the incident: 20,000 messages over 200 s) for
 *          BENCH_SECONDS (60).
 *
 * A conversation is routed when its route step has completed: placed on an agent, or left queued by
 * a drain that saw it (a step that found a drain running is coalesced into it: that drain rounds
 * again and looks at the queue after the step's conversation was in it). Reported per phase:
 * routed/s against arrivals/s, arrival-to-routed latency, arrival-to-assignment latency for those
 * placed, how long after the last arrival the last route step completed, and what the steps spent:
 * failed steps, steps put back to wait, attempts beyond the first, drains coalesced.
 */
import { nanoid } from 'nanoid';
import { QueueEvents, type Job } from 'bullmq';
import { createEvent, type AnyEvent } from '../events/index.ts';
import { agentSubject } from '../events/types/agent.ts';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import type { Conversation } from '../src/domain/state.ts';
import { openKafkaEventLog } from '../src/log/event-log.ts';
import { createKafka } from '../src/log/kafka.ts';
import { provisionTopics } from '../src/log/topics.ts';
import { createLogger } from '../src/observability/logger.ts';
import { projectionKeys, routingKeys } from '../src/projections/keys.ts';
import { redisConnection } from '../src/queues/connection.ts';
import { queuePrefix } from '../src/queues/names.ts';
import { Queue } from 'bullmq';
import type { TenantFileInput } from '../src/tenants/settings.ts';
import type { WorkflowJobData } from '../src/workflow/trigger-queue.ts';
import { stackUp } from '../scripts/stack/stack.ts';
import { dropNamespace } from '../tests/support/namespace.ts';
import { exited, spawnRole, writeConfigDir } from '../tests/support/workers.ts';
import { bullmqNoopRate, fmt, obliterate, percentile, sleep } from './support.ts';

const BURST = Number(process.env.BENCH_BURST ?? 2000);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 4);
const SEATS = Number(process.env.BENCH_SEATS ?? 50);
const FOLD_WORKERS = Number(process.env.BENCH_FOLD_WORKERS ?? 2);
const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 1);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 12);
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'bench-routing' });

const tenantSettings: TenantFileInput = {
  routing: {
    teams: [{ name: 'support', strategy: 'least-busy', escalateTo: null }],
    agents: Array.from({ length: AGENTS }, (_, i) => ({ id: `agent-${i}`, name: `Agent ${i}`, teams: ['support'], languages: ['en'], capacity: { chat: SEATS, email: 5 } })),
  },
  triage: {
    categories: [{ name: 'general', team: 'support', keywords: {} }],
    legalThreat: { priority: 'urgent', keywords: { en: ['lawyer'] } },
    cancellation: { priority: 'high', keywords: { en: ['cancel my account'] } },
    repeatedContact: null,
  },
  bot: { enabled: false },
  survey: { csat: { enabled: false }, nps: { enabled: false } },
};

function benchConfig(): Config {
  const id = nanoid(6).replace(/[^A-Za-z0-9]/g, 'x');
  const base = loadConfig();
  return {
    ...base,
    instance: `bench-${id}`,
    kafka: { ...base.kafka, partitions: PARTITIONS, topics: { events: `bench.${id}.events`, deadLetter: `bench.${id}.dlq`, rejectedInput: `bench.${id}.rejected` } },
    fold: { ...base.fold, namespace: `bench-${id}`, consumerGroup: `bench-fold-${id}`, queue: `bench-fold-${id}`, workflowQueue: `bench-wf-${id}` },
    workflow: { ...base.workflow, concurrency: CONCURRENCY },
    tenants: { ...base.tenants, settings: { ...base.tenants.settings, 'bench-burst': tenantSettings, 'bench-paced': tenantSettings } },
  };
}

const opening = (tenant: string, n: number): AnyEvent =>
  createEvent({
    type: 'message.received',
    source: '/bench',
    tenant,
    customer: `c-${n}`,
    time: new Date().toISOString(),
    data: { channel: 'chat', provider: 'webchat', handle: `visitor-${tenant}-${n}`, text: `Hello, a question about order ${n}` },
  }) as AnyEvent;

interface Phase {
  tenant: string;
  /** conversation id -> when its opening message was published (epoch ms), and its customer. */
  arrivals: Map<string, { at: number; customer: string }>;
  /** conversation id -> when its triage step completed (routing is asked for once its decision is folded). */
  triaged: Map<string, number>;
  /** conversation id -> when its route step completed. */
  routed: Map<string, number>;
  /** Conversations whose route step failed for good (never, unless routing regressed). */
  lost: Set<string>;
}

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${fmt(percentile(sorted, 50))} ms, p99 ${fmt(percentile(sorted, 99))} ms, max ${fmt(sorted.at(-1) ?? NaN)} ms`;
};

async function main() {
  await stackUp();
  const config = benchConfig();
  console.log(
    `bench:routing — ${AGENTS} agents × ${SEATS} chat seats per tenant; burst ${fmt(BURST)} conversations, then ${RATE}/s for ${SECONDS}s; ` +
      `${FOLD_WORKERS} fold worker(s), ${WORKFLOWS} workflow process(es) × ${CONCURRENCY} steps at once, ${PARTITIONS} partitions`,
  );
  const baseline = await bullmqNoopRate(config.redis.url, 20_000, CONCURRENCY);
  console.log(`baseline  BullMQ no-op jobs at concurrency ${CONCURRENCY}: add ${fmt(baseline.addRate)}/s, process ${fmt(baseline.processRate)}/s, end to end ${fmt(baseline.endToEnd)}/s`);

  await provisionTopics(config, logger);
  const configDir = writeConfigDir(config);
  const roles = [
    ...Array.from({ length: FOLD_WORKERS }, () => spawnRole('fold-worker', configDir)),
    ...Array.from({ length: WORKFLOWS }, () => spawnRole('workflow', configDir)),
    spawnRole('fold-bridge', configDir),
  ];
  const redis = redisConnection(config.redis.url, 'bench-routing');
  const queueName = config.fold.workflowQueue;
  const queue = new Queue<WorkflowJobData>(queueName, { connection: redis, prefix: queuePrefix(queueName) });
  const events = new QueueEvents(queueName, { connection: redisConnection(config.redis.url, 'bench-routing-events'), prefix: queuePrefix(queueName) });
  await events.waitUntilReady();
  const log = await openKafkaEventLog({ kafka: createKafka(config.kafka, logger), topic: config.kafka.topics.events, publishTimeoutMs: 60_000 });
  const keys = projectionKeys(config.fold.namespace);

  let current: Phase | null = null;
  let failed = 0;
  events.on('completed', ({ jobId }) => {
    const [kind, id] = jobId.split('|');
    const times = kind === 'route' ? current?.routed : kind === 'triage' ? current?.triaged : undefined;
    const conversation = decodeURIComponent(id ?? '');
    if (times && current!.arrivals.has(conversation) && !times.has(conversation)) times.set(conversation, Date.now());
  });
  events.on('failed', ({ jobId }) => {
    failed++;
    const [kind, id] = jobId.split('|');
    if (kind === 'route' && current?.arrivals.has(decodeURIComponent(id ?? ''))) current.lost.add(decodeURIComponent(id!));
  });

  const online = async (tenant: string) => {
    await log.append(Array.from({ length: AGENTS }, (_, i) => createEvent({ type: 'agent.status_changed', source: '/bench', tenant, customer: agentSubject(`agent-${i}`), time: new Date().toISOString(), data: { agent: `agent-${i}`, status: 'online' } }) as AnyEvent));
    const deadline = Date.now() + 120_000;
    while ((await redis.hlen(keys.agentPresence(tenant))) < AGENTS) {
      if (Date.now() > deadline) throw new Error('the agents did not come online within 2 minutes (roles up?)');
      await sleep(100);
    }
  };

  /** Waits for every arrival's route step, then for the group's drain to let go with no request left. */
  const settle = async (phase: Phase, lastArrival: number) => {
    const deadline = Date.now() + 600_000;
    while (phase.routed.size + phase.lost.size < phase.arrivals.size) {
      if (Date.now() > deadline) throw new Error(`only ${phase.routed.size} of ${phase.arrivals.size} routed (${phase.lost.size} route steps failed) within 10 minutes`);
      await sleep(50);
    }
    const lastRouted = Math.max(...phase.routed.values());
    const rk = routingKeys(config.instance, phase.tenant);
    while ((await redis.exists(rk.lock('support'), rk.again('support'))) > 0) await sleep(20);
    return { lastRouted, quiet: Date.now(), afterLastArrival: lastRouted - lastArrival };
  };

  const report = async (name: string, phase: Phase, firstArrival: number, lastArrival: number, settled: { lastRouted: number; afterLastArrival: number }) => {
    const n = phase.arrivals.size;
    const arrivalSpan = Math.max(1, lastArrival - firstArrival) / 1000;
    const routedSpan = Math.max(1, settled.lastRouted - firstArrival) / 1000;
    const routeLatency = [...phase.routed].map(([c, at]) => at - phase.arrivals.get(c)!.at);
    const triageLatency = [...phase.triaged].map(([c, at]) => at - phase.arrivals.get(c)!.at);
    const triagedToRouted = [...phase.routed].flatMap(([c, at]) => (phase.triaged.has(c) ? [at - phase.triaged.get(c)!] : []));
    // Placements: the conversations' assignment times, from the projection.
    const ids = [...phase.arrivals.keys()];
    const placed: number[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const slice = ids.slice(i, i + 500);
      const raws = await redis.mget(slice.map((c) => keys.conversation(phase.tenant, phase.arrivals.get(c)!.customer, c)));
      raws.forEach((raw, k) => {
        const c = raw ? (JSON.parse(raw) as Conversation) : null;
        if (c?.assignment) placed.push(Date.parse(c.assignment.at) - phase.arrivals.get(slice[k]!)!.at);
      });
    }
    const queued = await redis.zcard(keys.teamQueue(phase.tenant, 'support'));
    console.log(
      `${name.padEnd(6)}    ${fmt(n)} arrived at ${fmt(n / arrivalSpan)}/s; routed ${fmt(phase.routed.size)} at ${fmt(n / routedSpan)}/s (first arrival to last route step) = ${((n / routedSpan / baseline.endToEnd) * 100).toFixed(1)} % of the no-op rate; ` +
        `last routed ${fmt(settled.afterLastArrival)} ms after the last arrival; ${fmt(placed.length)} placed, ${fmt(queued)} queued; ${fmt(phase.lost.size)} route steps failed for good`,
    );
    console.log(`          arrival to routed: ${summary(routeLatency)}; arrival to assignment (placed): ${summary(placed)}`);
    console.log(`          of which arrival to triaged (fold, triage step, nothing of routing): ${summary(triageLatency)}; triaged to routed: ${summary(triagedToRouted)}`);
  };

  const runPhase = async (name: string, tenant: string, publish: (phase: Phase) => Promise<void>) => {
    await online(tenant);
    await sleep(1000); // the agents' drains done
    const phase: Phase = { tenant, arrivals: new Map(), triaged: new Map(), routed: new Map(), lost: new Set() };
    current = phase;
    const first = Date.now();
    await publish(phase);
    const last = Math.max(...[...phase.arrivals.values()].map((a) => a.at));
    const settled = await settle(phase, last);
    await report(name, phase, first, last, settled);
  };

  let seq = 0;
  const send = async (phase: Phase, count: number) => {
    const batch = Array.from({ length: count }, () => opening(phase.tenant, seq++));
    const at = Date.now();
    for (const e of batch) phase.arrivals.set(`cv_${e.id}`, { at, customer: e.customer });
    await log.append(batch);
  };

  await runPhase('burst', 'bench-burst', async (phase) => {
    for (let i = 0; i < BURST; i += 500) await send(phase, Math.min(500, BURST - i));
  });
  await runPhase('paced', 'bench-paced', async (phase) => {
    const tickMs = 50;
    const perTick = (RATE * tickMs) / 1000;
    const start = Date.now();
    let sent = 0;
    const pending: Array<Promise<void>> = [];
    for (let t = 1; t <= (SECONDS * 1000) / tickMs; t++) {
      const due = Math.round(t * perTick) - sent;
      if (due > 0) pending.push(send(phase, due));
      sent += due;
      const wait = start + t * tickMs - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(pending);
  });

  // What the steps spent: none failed, none put back to wait, no attempt beyond the first.
  const jobs = (await queue.getJobs(['completed'], 0, -1)) as Array<Job<WorkflowJobData>>;
  const byKind = (kind: string) => jobs.filter((j) => j.data.trigger.kind === kind).length;
  const waited = jobs.filter((j) => j.data.waiting).length;
  const retried = jobs.filter((j) => j.attemptsMade > 1).length;
  const coalesced = jobs.filter((j) => typeof j.returnvalue === 'string' && j.returnvalue.includes('coalesced')).length;
  const handedOver = jobs.filter((j) => typeof j.returnvalue === 'string' && j.returnvalue.includes('handed over')).length;
  // Drain rounds: a drain's result reads "N rounds, …" when it drained more than once, else one round's outcome.
  const drained = jobs.filter((j) => ['route', 'drain'].includes(j.data.trigger.kind) && typeof j.returnvalue === 'string' && !/^(coalesced|nothing to route|gone|waits)/.test(j.returnvalue));
  const rounds = drained.reduce((n, j) => n + Number(/^(\d+) rounds/.exec(j.returnvalue)?.[1] ?? 1), 0);
  const timing = (kind: string) => {
    const of = jobs.filter((j) => j.data.trigger.kind === kind && j.processedOn && j.finishedOn);
    return `${kind}: in queue ${summary(of.map((j) => j.processedOn! - j.timestamp))}; running ${summary(of.map((j) => j.finishedOn! - j.processedOn!))}`;
  };
  console.log(`timing    ${timing('triage')}\n          ${timing('route')}`);
  console.log(
    `steps     ${fmt(jobs.length)} completed (${fmt(byKind('triage'))} triage, ${fmt(byKind('route'))} route, ${fmt(byKind('drain'))} drain); ` +
      `${failed} failed (${await queue.getFailedCount()} in the failed set); ${waited} put back to wait; ${retried} with more than one attempt; ` +
      `${fmt(coalesced)} coalesced into a running drain; ${fmt(drained.length)} drains ran ${fmt(rounds)} rounds; ${handedOver} handed over`,
  );

  await log.close();
  await events.close();
  await queue.close();
  for (const r of roles) {
    r.kill('SIGTERM');
    await exited(r);
  }
  await dropNamespace(redis, config.fold.namespace);
  await obliterate(redis, [config.fold.queue, config.fold.workflowQueue]);
  for (let cursor = '0'; ; ) {
    const [next, found] = await redis.scan(cursor, 'MATCH', routingKeys(config.instance, '-').pattern, 'COUNT', 1000);
    if (found.length > 0) await redis.unlink(...found);
    if ((cursor = next) === '0') break;
  }
  const admin = createKafka(config.kafka, logger).admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(config.kafka.topics) }).catch(() => undefined);
  await admin.deleteGroups([config.fold.consumerGroup]).catch(() => undefined);
  await admin.disconnect();
  redis.disconnect();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
