import { deterministicEventId, type EventEnvelope } from '../../events/index.ts';
import { isStoredKey } from '../domain/attachment-key.ts';

/** One file a provider keeps, to fetch into our store: what the fetcher needs, copied from `message.received`. */
export interface MediaJobData {
  tenant: string;
  customer: string;
  /** The `message.received` event's id and the file's index in its attachments. */
  message: string;
  index: number;
  provider: string;
  /** The provider's reference: a URL (Twilio, Messenger, Instagram) or a media id (WhatsApp). */
  ref: string;
  /** The type the webhook gave (`application/octet-stream` when it gave none). */
  contentType: string;
}

/** The files of a message that are still at the provider, one job each. */
export function mediaJobs(event: EventEnvelope<'message.received'>): MediaJobData[] {
  return (event.data.attachments ?? []).flatMap((a, index) =>
    a.storageKey === undefined || isStoredKey(a.storageKey)
      ? []
      : [{ tenant: event.tenant, customer: event.customer, message: event.id, index, provider: event.data.provider, ref: a.storageKey, contentType: a.contentType }],
  );
}

/** One job per file however often its message is read off the log (hex: BullMQ refuses ':' in ids). */
export const mediaJobId = (job: Pick<MediaJobData, 'tenant' | 'message' | 'index'>) => `media-${deterministicEventId(job.tenant, 'media', `${job.message}/${job.index}`)}`;

/** The event that says what became of the file: the same id on every attempt, so the log holds one. */
export const mediaEventId = (job: Pick<MediaJobData, 'tenant' | 'message' | 'index'>) => deterministicEventId(job.tenant, 'media', `${job.message}/${job.index}`, 'outcome');
