import { Queue, Worker } from 'bullmq';
import type { Config } from '../config/schema.ts';
import { foldPolicies, tenantRegistry } from '../config/policies.ts';
import { provisionTopics } from '../engine/fold.ts';
import { openKafkaEventLog } from '../log/event-log.ts';
import { createKafka } from '../log/kafka.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import { queuePrefix } from '../queues/names.ts';
import type { WorkflowContext } from './context.ts';
import { workflowProcessor } from './processor.ts';
import { startStepPump } from './step-pump.ts';
import type { WorkflowJobData } from './trigger-queue.ts';
import { ProjectionView } from './view.ts';

export interface RunningWorkflow {
  queue: Queue<WorkflowJobData>;
  worker: Worker<WorkflowJobData, string>;
  close(): Promise<void>;
}

/**
 * The workflow role: runs the steps the fold asks for (triage, routing, bot, surveys) and the
 * timers that come due (auto-resolve, SLA warnings and breaches). Every step reads the projection,
 * decides with a pure function of `src/domain`, and publishes events; scale it out freely.
 */
export async function startWorkflowRole(config: Config, logger: Logger, options: { now?: () => Date } = {}): Promise<RunningWorkflow> {
  const log = logger.child({ component: 'workflow' });
  await provisionTopics(config, logger);
  const redis = redisConnection(config.redis.url, 'cs-workflow');
  const bullmq = redisConnection(config.redis.url, 'cs-workflow-bullmq');
  const eventLog = await openKafkaEventLog({ kafka: createKafka(config.kafka, logger), topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs });
  const prefix = queuePrefix(config.fold.workflowQueue);
  const queue = new Queue<WorkflowJobData>(config.fold.workflowQueue, { connection: redis, prefix });
  const view = new ProjectionView(redis, config.instance, config.fold.namespace);
  const ctx: WorkflowContext = {
    redis,
    view,
    tenants: tenantRegistry(config.tenants),
    policies: foldPolicies(config.tenants),
    eventLog,
    queue,
    instance: config.instance,
    publicUrl: config.channels.publicUrl,
    linkSecret: config.http.linkSecret,
    logger: log,
    now: options.now ?? (() => new Date()),
  };
  const worker = new Worker<WorkflowJobData, string>(config.fold.workflowQueue, workflowProcessor(ctx), { connection: bullmq, prefix, concurrency: config.workflow.concurrency });
  worker.on('completed', (job, result) => log.debug({ jobId: job.id, step: job.name, result }, 'workflow step done'));
  worker.on('error', (err) => log.error({ err }, 'workflow worker error'));
  const pump = startStepPump({ redis, instance: config.instance, fallbackNamespace: config.fold.namespace, queue, logger: log });
  return {
    queue,
    worker,
    close: async () => {
      await pump.close();
      await worker.close();
      await queue.close();
      await eventLog.close();
      redis.disconnect();
      bullmq.disconnect();
    },
  };
}
