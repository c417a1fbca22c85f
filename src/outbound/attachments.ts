import { AttachmentStore } from '../attachments/store.ts';
import type { Config } from '../config/schema.ts';
import { isStoredKey } from '../domain/attachment-key.ts';
import { mediaLinks } from '../http/media-links.ts';
import { PermanentDeliveryError } from './connectors/types.ts';
import type { OutboundJobData } from './job.ts';

/** A file to send with a message: the `message.sent` attachment, its bytes in our store under `key`. */
export interface OutboundFile {
  filename: string;
  contentType: string;
  size: number;
  key: string;
}

/** How the connectors reach a message's files: by a signed link (providers that fetch) or by path (SMTP). */
export interface OutboundFiles {
  /** The message's files in order; throws PermanentDeliveryError for one our store does not hold (nothing to link or read, ever). */
  of(message: Pick<OutboundJobData, 'attachments'>): OutboundFile[];
  /** A signed, expiring link to the file on the API (`GET /media/...`), under channels.publicUrl. */
  url(file: OutboundFile): string;
  /** The stored file, for senders that attach the bytes; PermanentDeliveryError when it is not in this role's store. */
  path(file: OutboundFile): Promise<string>;
}

/**
 * The files of the deployment's attachment store (channels.attachments.dir): the outbound role
 * reads them there, so it must see the same directory as the API that took the upload.
 */
export function outboundFiles(config: Pick<Config, 'channels' | 'http'>, now?: () => Date): OutboundFiles {
  const dir = config.channels.attachments.dir;
  const store = new AttachmentStore(dir);
  const link = mediaLinks({ publicUrl: config.channels.publicUrl, secret: config.http.linkSecret, ...(now ? { now } : {}) });
  return {
    of(message) {
      return (message.attachments ?? []).map((a) => {
        if (!isStoredKey(a.storageKey)) throw new PermanentDeliveryError(`attachment ${JSON.stringify(a.filename)} is not in our attachment store (no store key): it cannot be sent`);
        return { filename: a.filename, contentType: a.contentType, size: a.size, key: a.storageKey };
      });
    },
    url: (file) => link({ key: file.key, filename: file.filename, contentType: file.contentType }),
    async path(file) {
      if ((await store.size(file.key)) === null) throw new PermanentDeliveryError(`attachment ${JSON.stringify(file.filename)} (${file.key}) is not in the attachment store at ${dir}`);
      return store.pathOf(file.key);
    },
  };
}
