import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { parseTimerMember } from '../domain/fold/timers.ts';
import { jobId } from '../domain/fold/triggers.ts';
import type { Logger } from '../observability/logger.ts';
import { countStepsPumped, countTimersPumped } from '../observability/metrics.ts';
import type { PumpBacklog } from '../observability/scraped.ts';
import type { PositionedTrigger } from '../projections/steps.ts';
import { readFoldNamespaces } from '../projections/live-assignment.ts';
import { projectionKeys } from '../projections/keys.ts';
import { jobOptions, stepJob, type WorkflowJobData } from './trigger-queue.ts';

const BATCH = 500;

/** The job id of a due timer: the timer itself (conversation, kind, metric, deadline), so a timer is one job however often it is pumped. */
export const timerJobId = (member: string) => {
  const t = parseTimerMember(member);
  return jobId('timer', t.tenant, t.conversationId, t.kind, t.metric ?? '-', t.dueAt);
};

function timerJob(member: string) {
  const t = parseTimerMember(member);
  const data: WorkflowJobData = { tenant: t.tenant, customer: t.customer, conversationId: t.conversationId, partition: -1, offset: '-1', trigger: { kind: 'timer', timer: t } };
  return { name: 'timer', data, opts: jobOptions(timerJobId(member)) };
}

/**
 * Moves what the fold's commits wrote into the workflow queue: the steps it asked for (at once)
 * and the timers that came due. It adds the jobs first (idempotent ids), then removes exactly those
 * members: a crash in between pumps them again and BullMQ keeps one job. Any number of pumps may
 * run (one per workflow process). It follows the live fold's namespace (a rebuild moves it).
 */
export interface StepPumpOptions {
  redis: Redis;
  instance: string;
  fallbackNamespace: string;
  queue: Queue<WorkflowJobData>;
  now?: () => number;
}

/** One pass: everything due now into the queue; returns how many jobs were asked for. */
export function stepPump(o: StepPumpOptions): { pumpOnce(): Promise<number> } {
  const now = o.now ?? Date.now;
  const drainSet = async (key: string, max: string, toJob: (member: string) => ReturnType<typeof timerJob>): Promise<string[]> => {
    const due = await o.redis.zrangebyscore(key, '-inf', max, 'LIMIT', '0', String(BATCH));
    if (due.length === 0) return due;
    await o.queue.addBulk(due.map(toJob));
    await o.redis.zrem(key, ...due);
    return due;
  };
  const pumpOnce = async (): Promise<number> => {
    const { live, left: previous } = await readFoldNamespaces(o.redis, o.instance, o.fallbackNamespace);
    const keys = projectionKeys(live);
    const toStep = (m: string) => stepJob(JSON.parse(m) as PositionedTrigger);
    // The namespace the live fold left: its last commits' steps are pumped too (timers are state, rebuilt in the new one).
    const left = previous ? (await drainSet(projectionKeys(previous).steps, '+inf', toStep)).length : 0;
    const steps = left + (await drainSet(keys.steps, '+inf', toStep)).length;
    const pumpedAt = now();
    const timers = await drainSet(keys.timers, String(pumpedAt), timerJob);
    countStepsPumped(steps);
    countTimersPumped(timers.map((m) => parseTimerMember(m).at), pumpedAt);
    return steps + timers.length;
  };
  return { pumpOnce };
}

/** What waits for the pump now in the live namespace: steps asked for, and timers already due. */
export async function pumpBacklog(o: Pick<StepPumpOptions, 'redis' | 'instance' | 'fallbackNamespace'> & { now?: () => number }): Promise<PumpBacklog> {
  const { live } = await readFoldNamespaces(o.redis, o.instance, o.fallbackNamespace);
  const keys = projectionKeys(live);
  const [steps, timers] = await Promise.all([o.redis.zcard(keys.steps), o.redis.zcount(keys.timers, '-inf', String((o.now ?? Date.now)()))]);
  return { steps, timers };
}

/** The pump running: passes back to back while there is work, every `intervalMs` (50) otherwise. */
export function startStepPump(o: StepPumpOptions & { logger: Logger; intervalMs?: number }): { close(): Promise<void> } {
  const { pumpOnce } = stepPump(o);
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const loop = async () => {
    while (!stopped) {
      try {
        const n = await pumpOnce();
        if (n > 0) continue;
      } catch (err) {
        o.logger.error({ err }, 'timer pump failed; retrying');
      }
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 50));
    }
  };
  running = loop();
  return {
    close: async () => {
      stopped = true;
      await running;
    },
  };
}
