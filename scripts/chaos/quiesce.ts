/**
 * After the load: wait until the deployment has nothing left to do. The fold and outbound groups
 * have committed to the end of the topic, the fold, workflow and outbound queues hold nothing
 * waiting, running or delayed, the fold's steps set is pumped, and the topic's end has not moved
 * for a few seconds. Workflow steps still waiting to retry are given a grace period, then reported
 * with their reasons rather than waited for.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectionKeys } from '../../src/projections/keys.ts';
import { queuePrefix } from '../../src/queues/names.ts';
import type { ChaosDeployment } from './deployment.ts';
import { foldPositions, JOB_STATES, sum, type AdminLink } from './probes.ts';

export interface QuietState {
  foldLag: bigint | null;
  outboundLag: bigint | null;
  queues: Record<string, Record<string, number>>;
  steps: number;
  end: bigint | null;
}

export interface Quiescence {
  reached: boolean;
  /** Reached, but with workflow steps still delayed (waiting to retry) at the timeout. */
  stepsWaiting: number;
  ms: number;
  last: QuietState;
  /** What was not quiet at the timeout. */
  pending: string[];
}

const BUSY = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;
const STABLE_MS = 3000;

async function lag(link: AdminLink, group: string, topic: string): Promise<bigint | null> {
  try {
    const { ends, committed } = await foldPositions(link, group, topic);
    let total = 0n;
    for (const [p, end] of ends) {
      const at = committed.get(p) ?? -1n;
      total += end - (at >= 0n ? at : 0n);
    }
    return total;
  } catch {
    return null;
  }
}

export async function queueCounts(redis: Redis, names: readonly string[]): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const name of names) {
    const queue = new Queue(name, { connection: redis, prefix: queuePrefix(name) });
    try {
      out[name] = await queue.getJobCounts(...JOB_STATES);
    } finally {
      await queue.close();
    }
  }
  return out;
}

export async function quietState(d: ChaosDeployment, link: AdminLink, redis: Redis): Promise<QuietState> {
  const c = d.config;
  const topic = c.kafka.topics.events;
  const [foldLag, outboundLag, queues, steps, end] = await Promise.all([
    lag(link, c.fold.consumerGroup, topic),
    lag(link, c.outbound.consumerGroup, topic),
    queueCounts(redis, [c.fold.queue, c.fold.workflowQueue, c.outbound.queue]),
    redis.zcard(projectionKeys(c.fold.namespace).steps),
    link.use(async (admin) => sum(new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)])))).catch(() => null),
  ]);
  return { foldLag, outboundLag, queues, steps, end };
}

/** What keeps the state from being quiet; `ignoreDelayedSteps` leaves the workflow queue out while some of its steps wait to retry. */
export function notQuiet(d: ChaosDeployment, s: QuietState, ignoreDelayedSteps: boolean): string[] {
  const out: string[] = [];
  if (s.foldLag !== 0n) out.push(`fold lag ${s.foldLag ?? 'unknown'}`);
  if (s.outboundLag !== 0n) out.push(`outbound lag ${s.outboundLag ?? 'unknown'}`);
  for (const [name, counts] of Object.entries(s.queues)) {
    // Steps waiting to retry come back as waiting and active now and then: all of the workflow queue is left out then.
    if (ignoreDelayedSteps && name === d.config.fold.workflowQueue && (counts.delayed ?? 0) > 0) continue;
    const busy = BUSY.filter((state) => (counts[state] ?? 0) > 0);
    if (busy.length > 0) out.push(`${name}: ${busy.map((state) => `${counts[state]} ${state}`).join(', ')}`);
  }
  if (s.steps > 0) out.push(`${s.steps} steps not pumped`);
  if (s.end === null) out.push('topic end unknown');
  return out;
}

/**
 * Waits until everything is quiet except, possibly, workflow steps waiting to retry (within
 * `timeoutMs`), then up to `stepsGraceMs` more for those steps to finish too. Steps still waiting
 * after that are reported (with their reasons, by the checks) rather than waited for.
 */
export async function waitForQuiescence(
  d: ChaosDeployment,
  link: AdminLink,
  redis: Redis,
  o: { timeoutMs: number; stepsGraceMs: number; clock(): number; say(line: string): void },
): Promise<Quiescence> {
  const started = o.clock();
  let last = await quietState(d, link, redis);
  let stableSince = o.clock();
  let lastReport = started;
  let restQuietAt: number | null = null;
  for (;;) {
    const stable = o.clock() - stableSince >= STABLE_MS;
    const busy = notQuiet(d, last, false);
    const besidesSteps = notQuiet(d, last, true);
    const stepsWaiting = last.queues[d.config.fold.workflowQueue]?.delayed ?? 0;
    if (busy.length === 0 && stable) return { reached: true, stepsWaiting: 0, ms: o.clock() - started, last, pending: [] };
    if (besidesSteps.length === 0 && stable) restQuietAt ??= o.clock();
    else restQuietAt = null;
    if (restQuietAt !== null && o.clock() - restQuietAt >= o.stepsGraceMs) return { reached: true, stepsWaiting, ms: o.clock() - started, last, pending: busy };
    if (o.clock() - started > o.timeoutMs) {
      // Only workflow steps waiting to retry are left: quiet, with those reported.
      if (besidesSteps.length === 0 && stable) return { reached: true, stepsWaiting, ms: o.clock() - started, last, pending: busy };
      return { reached: false, stepsWaiting, ms: o.clock() - started, last, pending: besidesSteps.concat(stable ? [] : ['the topic is still growing']) };
    }
    if (o.clock() - lastReport >= 10_000) {
      o.say(`waiting for quiescence: ${busy.length > 0 ? busy.join('; ') : 'the topic is still growing'}`);
      lastReport = o.clock();
    }
    await sleep(500);
    const next = await quietState(d, link, redis);
    if (next.end === null || next.end !== last.end) stableSince = o.clock();
    last = next;
  }
}
