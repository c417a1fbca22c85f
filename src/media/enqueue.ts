import type { Queue } from 'bullmq';
import type { EventBatch } from '../log/consumer.ts';
import { mediaJobId, mediaJobs, type MediaJobData } from './job.ts';

const KEEP_SECONDS = 7 * 24 * 3600;

/**
 * The consumer side: every file a provider keeps, of every `message.received` in the batch, becomes
 * a fetch job. Job ids are the file's, so a redelivered batch adds nothing.
 */
export function mediaBatchHandler(deps: { queue: Queue<MediaJobData>; attempts: number; backoffMs: number }): (batch: EventBatch) => Promise<void> {
  return async (batch) => {
    const jobs = batch.events.flatMap(({ event }) => (event.type === 'message.received' ? mediaJobs(event) : []));
    if (jobs.length === 0) return;
    await deps.queue.addBulk(
      jobs.map((data) => ({
        name: `media/${data.provider}`,
        data,
        opts: {
          jobId: mediaJobId(data),
          attempts: deps.attempts,
          backoff: { type: 'exponential', delay: deps.backoffMs },
          removeOnComplete: { age: KEEP_SECONDS },
          removeOnFail: { age: KEEP_SECONDS },
        },
      })),
    );
  };
}
