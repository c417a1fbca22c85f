import { z } from 'zod';

/**
 * The visitor token is the visitor's handle and the only thing that lets a socket read the
 * visitor's replies: a bearer secret the widget generates, so it must be long enough not to guess.
 */
export const visitorTokenSchema = z.string().regex(/^[A-Za-z0-9._-]{16,128}$/, '16 to 128 letters, digits, ".", "_" or "-"');

export const widgetKeySchema = z.string().min(8).max(256);

export const chatMessageBody = z.strictObject({
  widgetKey: widgetKeySchema,
  visitorToken: visitorTokenSchema,
  text: z.string().trim().min(1, 'text is empty').max(10_000),
  /** The widget's id for this message, so a re-sent POST (flaky network) is one event. */
  clientMessageId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, '1 to 128 letters, digits, ".", "_", ":" or "-"').optional(),
});

export type ChatMessageBody = z.infer<typeof chatMessageBody>;
