import { z } from 'zod';
import { sealable } from '../sealed.ts';
import type { EventDefinition } from '../definition.ts';
import { idSchema, timeSchema } from './common.ts';
import { channelSchema, providerSchema } from './message.ts';

export const messageStatusUpdatedData = z
  .strictObject({
    channel: channelSchema,
    provider: providerSchema,
    /** Our id of the outbound message (`message.sent` data.messageId), when known. */
    messageId: idSchema.optional(),
    /** The provider's id of the message (Twilio SID, WhatsApp wamid, SMTP Message-ID). */
    providerMessageId: idSchema.optional(),
    /**
     * A provider's watermark receipt (Messenger, Instagram `read`, and `delivery` without mids): every
     * message of ours to this customer through `provider`, sent at or before this time, got to
     * `status`. Names no single message, so it stands instead of messageId and providerMessageId.
     */
    watermark: timeSchema.optional(),
    /** queued: handed to the provider; sent, delivered, read: its reports; failed: it gave up. */
    status: z.enum(['queued', 'sent', 'delivered', 'read', 'failed']),
    /** Why it failed (provider error code and text). */
    error: sealable(z.string().max(1000)).optional(),
    /** Delivery attempts made by our outbound connector so far. */
    attempts: z.number().int().min(0).optional(),
  })
  .refine((d) => d.messageId !== undefined || d.providerMessageId !== undefined || d.watermark !== undefined, {
    path: ['messageId'],
    message: 'name the message by messageId or providerMessageId, or the messages by a watermark',
  })
  .refine((d) => d.watermark === undefined || d.status === 'delivered' || d.status === 'read', {
    path: ['watermark'],
    message: 'a watermark reports delivered or read',
  })
  .describe('What became of an outbound message: our connector’s outcome or the provider’s status report.');

export const messageStatusUpdated = { schema: messageStatusUpdatedData, version: 1, upcasters: {} } satisfies EventDefinition;
