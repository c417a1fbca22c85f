import type { Job, Queue } from 'bullmq';
import type { WorkflowJobData } from './trigger-queue.ts';

/**
 * Dead steps: workflow steps that failed for good (their attempts spent on real errors, or waiting
 * for the fold past its limit). The list is BullMQ's failed set of the workflow queue itself, the
 * honest source (kept a week, as completed steps are: `KEEP_SECONDS`); `cs steps dead` reads it and
 * `cs steps retry` puts steps back. `deadStepCount` is the figure a metrics endpoint can expose.
 */
export interface DeadStep {
  /** The job id (`cs steps retry` takes it). */
  id: string;
  /** The step's kind: triage, route, drain, bot, timer, survey, survey-send, survey-answered. */
  step: string;
  tenant: string;
  customer: string;
  /** The conversation it was about ('' for a drain asked for by an agent's presence). */
  conversation: string;
  /** Why its last attempt failed. */
  reason: string;
  /** When it failed for good (ISO 8601), null if BullMQ did not record it. */
  failedAt: string | null;
  /** Attempts it spent. */
  attempts: number;
}

const PAGE = 500;

function deadStep(job: Job<WorkflowJobData>): DeadStep {
  return {
    id: String(job.id),
    step: job.data?.trigger?.kind ?? job.name,
    tenant: job.data?.tenant ?? '',
    customer: job.data?.customer ?? '',
    conversation: job.data?.conversationId ?? '',
    reason: job.failedReason ?? '',
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    attempts: job.attemptsMade,
  };
}

/** The dead steps, newest first; only a tenant's with `tenant`. */
export async function deadSteps(queue: Queue<WorkflowJobData>, filter: { tenant?: string; limit?: number } = {}): Promise<DeadStep[]> {
  const limit = filter.limit ?? Number.POSITIVE_INFINITY;
  const found: DeadStep[] = [];
  for (let start = 0; found.length < limit; start += PAGE) {
    const page = await queue.getFailed(start, start + PAGE - 1);
    for (const job of page) {
      // A job removed between the listing and the read comes back undefined.
      if (!job) continue;
      const step = deadStep(job);
      if (filter.tenant === undefined || step.tenant === filter.tenant) found.push(step);
      if (found.length >= limit) break;
    }
    if (page.length < PAGE) break;
  }
  return found;
}

/** How many steps are dead (a tenant's with `tenant`): for metrics and alerts. */
export async function deadStepCount(queue: Queue<WorkflowJobData>, tenant?: string): Promise<number> {
  if (tenant === undefined) return queue.getFailedCount();
  return (await deadSteps(queue, { tenant })).length;
}

/**
 * Puts dead steps back in the queue to run again from the start: attempts and the fold-wait clock
 * reset (events keep their ids, derived from the job id, so a step that had published before it
 * failed publishes the same events and the fold keeps one of each). Ids that are not dead steps
 * (unknown, or running, done, waiting) are reported and left alone.
 */
export async function retryDeadSteps(
  queue: Queue<WorkflowJobData>,
  which: { ids: readonly string[] } | { all: true; tenant?: string },
): Promise<{ retried: string[]; notDead: string[] }> {
  const ids = 'ids' in which ? which.ids : (await deadSteps(queue, which.tenant === undefined ? {} : { tenant: which.tenant })).map((s) => s.id);
  const retried: string[] = [];
  const notDead: string[] = [];
  for (const id of ids) {
    const job = await queue.getJob(id);
    if (!job || !(await job.isFailed())) {
      notDead.push(id);
      continue;
    }
    if (job.data.waiting) {
      const data = { ...job.data };
      delete data.waiting;
      await job.updateData(data);
    }
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    retried.push(id);
  }
  return { retried, notDead };
}
