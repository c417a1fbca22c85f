import type { Queue } from 'bullmq';
import type { PositionedTrigger, TriggerSink } from '../fold/fold-batch.ts';

/** A workflow job's data: the trigger, and the position the projection must reach before deciding. */
export interface WorkflowJobData {
  tenant: string;
  customer: string;
  conversationId: string;
  partition: number;
  offset: string;
  trigger: PositionedTrigger['trigger'];
}

const KEEP_COMPLETED_SECONDS = 7 * 24 * 3600;

/**
 * Turns fold triggers into BullMQ jobs. The job id comes from the transition, and completed jobs
 * are kept for a week, so folding the same events again (a retried batch) adds nothing.
 * Timers (auto-resolve) are delayed jobs due at their deadline.
 */
export function workflowTriggerSink(queue: Queue, clock: () => number = Date.now): TriggerSink {
  return {
    async enqueue(triggers) {
      await queue.addBulk(
        triggers.map(({ trigger, tenant, customer, partition, offset }) => {
          const data: WorkflowJobData = { tenant, customer, conversationId: trigger.conversationId, partition, offset, trigger };
          const delay = trigger.kind === 'auto-resolve' ? Math.max(0, Date.parse(trigger.dueAt) - clock()) : 0;
          return {
            name: trigger.kind,
            data,
            opts: {
              jobId: trigger.jobId,
              delay,
              attempts: 10,
              backoff: { type: 'exponential', delay: 500 },
              removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
              removeOnFail: { age: KEEP_COMPLETED_SECONDS },
            },
          };
        }),
      );
    },
  };
}
