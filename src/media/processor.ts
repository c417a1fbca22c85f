import { UnrecoverableError, type Job } from 'bullmq';
import { createEvent } from '../../events/index.ts';
import type { AttachmentStore } from '../attachments/store.ts';
import type { Config } from '../config/schema.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Logger } from '../observability/logger.ts';
import { fetchMedia, PermanentFetchError } from './fetch.ts';
import { mediaEventId, type MediaJobData } from './job.ts';

export interface MediaProcessorDeps {
  channels: Pick<Config['channels'], 'twilio' | 'meta'>;
  store: AttachmentStore;
  maxBytes: number;
  timeoutMs: number;
  eventLog: EventLog;
  logger: Logger;
  now?: () => Date;
}

/** What a fetch job ended with (BullMQ keeps it as the job's return value). */
export type FetchResult = { stored: string; size: number } | { failed: string };

/**
 * Fetches one file into the store and says so on the log. The message was on the log before the
 * job existed, so a failure costs the file at most, never the message. Failures are retried by
 * BullMQ with back-off; a file the provider no longer has, or one over the size limit, fails at once.
 * Storing is content-addressed and the event id is the file's, so a retry after a crash between the
 * two writes the same blob and the same event.
 */
export function mediaProcessor(deps: MediaProcessorDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'media' });
  const envelope = (job: MediaJobData) => ({ id: mediaEventId(job), tenant: job.tenant, customer: job.customer, source: '/media', time: now().toISOString() });
  const stored = (job: MediaJobData, storageKey: string, size: number, contentType: string) =>
    deps.eventLog.append([createEvent({ ...envelope(job), type: 'message.attachment_stored', data: { message: job.message, index: job.index, storageKey, size, contentType } })]);
  const failed = (job: MediaJobData, reason: string) =>
    deps.eventLog.append([createEvent({ ...envelope(job), type: 'message.attachment_failed', data: { message: job.message, index: job.index, reason: reason.slice(0, 1000) } })]);

  return async (job: Job<MediaJobData>): Promise<FetchResult> => {
    const data = job.data;
    const attempt = job.attemptsMade + 1;
    const context = { jobId: job.id, tenant: data.tenant, message: data.message, index: data.index, provider: data.provider, attempt };
    try {
      const media = await fetchMedia(deps.channels, data, deps.maxBytes, deps.timeoutMs);
      const key = await deps.store.put(media.bytes);
      await stored(data, key, media.bytes.length, media.contentType ?? data.contentType);
      log.info({ ...context, size: media.bytes.length }, 'media stored');
      return { stored: key, size: media.bytes.length };
    } catch (err) {
      const reason = (err as Error).message;
      const final = err instanceof PermanentFetchError || attempt >= (job.opts.attempts ?? 1);
      log[final ? 'error' : 'warn']({ ...context, reason }, final ? 'media fetch failed for good; the message is kept without the file' : 'media fetch failed; will retry');
      if (!final) throw err;
      await failed(data, reason);
      throw new UnrecoverableError(reason);
    }
  };
}
