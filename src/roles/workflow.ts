import { Queue, Worker } from 'bullmq';
import type { Config } from '../config/schema.ts';
import { foldPolicies, tenantRegistry } from '../config/policies.ts';
import { openKafkaEventLog } from '../log/event-log.ts';
import { createKafka } from '../log/kafka.ts';
import { sealingLog } from '../log/sealing.ts';
import { openPrivacy } from '../privacy/index.ts';
import { provisionTopics } from '../log/topics.ts';
import type { Logger } from '../observability/logger.ts';
import { redisConnection } from '../queues/connection.ts';
import { queuePrefix } from '../queues/names.ts';
import type { WorkflowContext } from '../workflow/context.ts';
import { workflowProcessor, type ProcessorOptions } from '../workflow/processor.ts';
import { watchPumpBacklog } from '../observability/scraped.ts';
import { pumpBacklog, startStepPump } from '../workflow/step-pump.ts';
import type { WorkflowJobData } from '../workflow/trigger-queue.ts';
import { ProjectionReader } from '../projections/reader.ts';
import { scheduleRetention } from '../workflow/retention-schedule.ts';
import { ProjectionView } from '../workflow/view.ts';
import { openHeld, runsUntilStopped, type Role } from './role.ts';
import { watchRole } from './watch.ts';

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
export async function startWorkflowRole(config: Config, logger: Logger, options: { now?: () => Date } & ProcessorOptions = {}): Promise<RunningWorkflow> {
  const log = logger.child({ component: 'workflow' });
  await provisionTopics(config, logger);
  return openHeld(async (hold) => {
    const redis = hold.hold(redisConnection(config.redis.url, 'cs-workflow'), (r) => r.disconnect());
    const bullmq = hold.hold(redisConnection(config.redis.url, 'cs-workflow-bullmq'), (r) => r.disconnect());
    const privacy = openPrivacy(config, redis);
    const opened = hold.hold(
      await openKafkaEventLog({ kafka: createKafka(config.kafka, logger), topic: config.kafka.topics.events, publishTimeoutMs: config.kafka.publishTimeoutMs, maxRecordBytes: config.kafka.maxRecordBytes }),
      (l) => l.close(),
    );
    const eventLog = privacy ? sealingLog(opened, privacy.seal) : opened;
    const prefix = queuePrefix(config.fold.workflowQueue);
    const queue = hold.hold(new Queue<WorkflowJobData>(config.fold.workflowQueue, { connection: redis, prefix }), (q) => q.close());
    const view = new ProjectionView(redis, config.instance, config.fold.namespace, privacy?.opener);
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
      retention: privacy
        ? { reader: new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace }), keys: privacy.keys, graceMs: config.privacy.retentionGraceMs, now: options.now ?? (() => new Date()) }
        : null,
    };
    const worker = hold.hold(
      new Worker<WorkflowJobData, string>(config.fold.workflowQueue, workflowProcessor(ctx, options), {
        connection: bullmq,
        prefix,
        concurrency: config.workflow.concurrency,
        lockDuration: config.workflow.lockDuration,
        stalledInterval: config.workflow.stalledInterval,
        // A step stalls each time its process is killed; it runs again every time (never failed for it).
        maxStalledCount: 1000,
      }),
      (w) => w.close(),
    );
    worker.on('completed', (job, result) => log.debug({ jobId: job.id, step: job.name, result }, 'workflow step done'));
    worker.on('error', (err) => log.error({ err }, 'workflow worker error'));
    hold.hold(startStepPump({ redis, instance: config.instance, fallbackNamespace: config.fold.namespace, queue, logger: log }), (pump) => pump.close());
    await scheduleRetention(queue, { tenants: Object.keys(config.tenants.settings), registry: ctx.tenants, everyMs: config.privacy.retentionSweepMs, sealing: privacy !== null, logger: log });
    watchRole(hold, config, { redis, workers: [worker], queues: [queue] });
    hold.hold(watchPumpBacklog(() => pumpBacklog({ redis, instance: config.instance, fallbackNamespace: config.fold.namespace })), (unwatch) => unwatch());
    return { queue, worker };
  });
}

/** Workflow steps and timers: triage, routing, bot, SLA escalation, auto-resolve, surveys. Scale it out freely. */
export const workflow: Role = async ({ config, logger }) => {
  const running = await startWorkflowRole(config, logger);
  logger.info({ queue: config.fold.workflowQueue }, 'workflow running');
  return { done: runsUntilStopped, stop: running.close };
};
