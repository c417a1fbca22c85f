import type { Queue } from 'bullmq';
import type { EventEnvelope } from '../../events/index.ts';
import type { EventLog } from '../log/event-log.ts';
import type { EventBatch } from '../log/consumer.ts';
import type { DeliveryState } from './delivery-state.ts';
import { isDeliverable, outboundJob, outboundJobId, type OutboundJobData } from './job.ts';
import type { OutboundSettings } from './settings.ts';
import { statusEvent } from './status.ts';
import type { ThreadIndex } from './threads.ts';

const KEEP_SECONDS = 7 * 24 * 3600;

export interface EnqueueDeps {
  queue: Queue<OutboundJobData>;
  eventLog: EventLog;
  state: DeliveryState;
  threads: ThreadIndex;
  settings: Pick<OutboundSettings, 'attempts' | 'backoffMs'>;
  now?: () => Date;
}

/**
 * The consumer side of the outbound role: for each partition batch, remember the customers' latest
 * message ids (for threading), then turn every deliverable `message.sent` into a delivery job.
 * `queued` is on the log before the job exists, so it always precedes `sent`. Everything here is
 * idempotent (deterministic job and event ids), so a redelivered batch adds nothing; messages a
 * provider already took (or that failed for good) are skipped outright.
 */
export function outboundBatchHandler(deps: EnqueueDeps): (batch: EventBatch) => Promise<void> {
  const now = deps.now ?? (() => new Date());
  return async (batch) => {
    const received: Array<EventEnvelope<'message.received'>> = [];
    // This batch's latest message per handle so far: a reply is threaded under the mail it
    // followed in log order, not one that came after it in the same batch.
    const latestInBatch = new Map<string, string>();
    const jobs: OutboundJobData[] = [];
    for (const { event } of batch.events) {
      if (event.type === 'message.received') {
        received.push(event);
        if (event.data.providerMessageId && !event.data.automated) latestInBatch.set(`${event.tenant}/${event.data.handle}`, event.data.providerMessageId);
        continue;
      }
      if (!isDeliverable(event)) continue;
      const job = outboundJob(event);
      if (job.channel === 'email' && !job.inReplyTo && job.handle) {
        job.inReplyTo = latestInBatch.get(`${job.tenant}/${job.handle}`) ?? (await deps.threads.latest(job.tenant, job.handle));
      }
      jobs.push(job);
    }
    await deps.threads.remember(received);
    if (jobs.length === 0) return;
    const settled = await deps.state.settled(jobs);
    const fresh = jobs.filter((_, i) => !settled[i]);
    if (fresh.length === 0) return;

    await deps.eventLog.append(fresh.map((job) => statusEvent(job, 'queued', now(), { attempts: 0 })));
    await deps.queue.addBulk(
      fresh.map((data) => ({
        name: `${data.channel}/${data.provider}`,
        data,
        opts: {
          jobId: outboundJobId(data.tenant, data.messageId),
          attempts: deps.settings.attempts,
          backoff: { type: 'exponential', delay: deps.settings.backoffMs },
          removeOnComplete: { age: KEEP_SECONDS },
          removeOnFail: { age: KEEP_SECONDS },
        },
      })),
    );
    await batch.heartbeat();
  };
}
