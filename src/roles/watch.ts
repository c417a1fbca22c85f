import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { openKafkaProbe } from '../log/kafka-probe.ts';
import { observeJob, type SettledJob } from '../observability/metrics.ts';
import { readiness } from '../observability/readiness.ts';
import { watchConsumerLag, watchQueue, type CountableQueue } from '../observability/scraped.ts';
import { redisAnswers } from '../queues/connection.ts';
import type { Holdings } from './role.ts';

/** A consumer group the role runs: its id now (the fold bridge's moves with a rebuild) and whether it is in the group. */
export interface WatchedConsumer {
  group(): string;
  topic: string;
  running(): boolean;
}

/** What a BullMQ Worker offers for watching. */
export interface WatchedWorker {
  readonly name: string;
  isRunning(): boolean;
  on(event: 'completed' | 'failed', listener: (job: SettledJob | undefined) => void): unknown;
}

export interface Watched {
  /** The role's Redis connection: readiness asks it for a PING. */
  redis?: Redis;
  /** The role's consumer groups: in their group (readiness), and their lag per partition (metrics). */
  consumers?: WatchedConsumer[];
  /** The role's BullMQ workers: running (readiness), and their jobs' run and wait times (metrics). */
  workers?: WatchedWorker[];
  /** Queues whose depth per state the metrics show. */
  queues?: CountableQueue[];
}

/**
 * Registers what tells whether a role works: its readiness checks (Kafka answers, Redis answers,
 * its consumers are in their groups, its workers run) and the metrics read from what it holds.
 * Everything is let go with the role's other holdings, so a stopped role leaves no check behind.
 */
export function watchRole(hold: Holdings, config: Config, watched: Watched): void {
  const kafka = hold.hold(openKafkaProbe(config.kafka), (probe) => probe.close());
  const checks: Array<[string, () => unknown]> = [['kafka', () => kafka.answers()]];
  const { redis } = watched;
  if (redis) checks.push(['redis', () => redisAnswers(redis)]);
  for (const consumer of watched.consumers ?? []) {
    checks.push([`consumer:${consumer.group()}`, () => mustBe(consumer.running(), `not in consumer group ${consumer.group()}`)]);
    hold.hold(watchConsumerLag({ group: () => consumer.group(), topic: consumer.topic, lag: (group, topic) => kafka.lag(group, topic) }), (unwatch) => unwatch());
  }
  for (const worker of watched.workers ?? []) {
    checks.push([`worker:${worker.name}`, () => mustBe(worker.isRunning(), `the worker of queue ${worker.name} is not running`)]);
    worker.on('completed', (job) => job && observeJob(worker.name, 'completed', job));
    worker.on('failed', (job) => job && observeJob(worker.name, 'failed', job));
  }
  for (const queue of watched.queues ?? []) hold.hold(watchQueue(queue), (unwatch) => unwatch());
  for (const [name, check] of checks) hold.hold(readiness.add(name, check), (remove) => remove());
}

function mustBe(ok: boolean, why: string): void {
  if (!ok) throw new Error(why);
}
