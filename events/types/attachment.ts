import { z } from 'zod';
import type { EventDefinition } from '../definition.ts';
import { idSchema } from './common.ts';

/** Which file of which message: the `message.received` event's id and the attachment's place in its list. */
const attachmentOf = {
  /** The id of the `message.received` event the attachment came with. */
  message: idSchema,
  /** Its index in that event's `attachments`. */
  index: z.number().int().min(0).max(99),
};

export const messageAttachmentStoredData = z
  .strictObject({
    ...attachmentOf,
    /** Our attachment store's key: the SHA-256 of the bytes, in hex. */
    storageKey: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the content in hex'),
    /** The real size in bytes (the provider's webhook did not say). */
    size: z.number().int().nonnegative(),
    /** The type the provider served it as, when the webhook gave none or a vaguer one. */
    contentType: z
      .string()
      .max(255)
      .regex(/^[^\s/]+\/[^\s/;]+/, 'must be a MIME type such as image/png'),
  })
  .describe('A file a provider kept (Twilio MediaUrl, WhatsApp media id, Messenger URL) was fetched into our attachment store.');

export const messageAttachmentFailedData = z
  .strictObject({
    ...attachmentOf,
    /** Why it will never be fetched: too large, gone at the provider, refused, or still failing after the last retry. */
    reason: z.string().min(1).max(1000),
  })
  .describe('A file a provider kept could not be fetched into our attachment store, for good; the message itself is kept.');

export const messageAttachmentStored = { schema: messageAttachmentStoredData, version: 1, upcasters: {} } satisfies EventDefinition;
export const messageAttachmentFailed = { schema: messageAttachmentFailedData, version: 1, upcasters: {} } satisfies EventDefinition;
