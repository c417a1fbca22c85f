import { z } from 'zod';

/**
 * Only what we read of Meta's webhook bodies, loosely: Meta adds fields all the time, and a field
 * we do not use must never make a customer's message bounce.
 */
export const webhookBody = z.looseObject({ object: z.string(), entry: z.array(z.unknown()) });

export const whatsappEntry = z.looseObject({
  id: z.string().optional(),
  changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
});

/** The sender as the change names it: its number (absent when the user hides it) and its business-scoped user id. */
export const whatsappContact = z.looseObject({ wa_id: z.string().optional(), user_id: z.string().optional() });
export type WhatsappContact = z.infer<typeof whatsappContact>;

export const whatsappValue = z.looseObject({
  metadata: z.looseObject({ phone_number_id: z.string() }).optional(),
  contacts: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

const media = z.looseObject({ id: z.string().min(1), mime_type: z.string().min(1), caption: z.string().optional(), filename: z.string().optional() });
const reply = z.looseObject({ id: z.string().optional(), title: z.string() });

export const whatsappMessage = z.looseObject({
  /** The sender's number as digits; a user id, or absent, for a user who hides the number. */
  from: z.string().min(1).optional(),
  /** The sender's business-scoped user id (`US.1349…`), sent beside or instead of the number. */
  from_user_id: z.string().optional(),
  id: z.string().min(1),
  timestamp: z.string().optional(),
  type: z.string(),
  context: z.looseObject({ id: z.string().optional() }).optional(),
  text: z.looseObject({ body: z.string() }).optional(),
  image: media.optional(),
  video: media.optional(),
  audio: media.optional(),
  document: media.optional(),
  sticker: media.optional(),
  /** A voice note sent as its own type (also seen as `audio` with voice: true). */
  voice: media.optional(),
  /** Set on messages in a WhatsApp group (Groups API): the group, not the sender, is the conversation. */
  group_id: z.string().optional(),
  interactive: z
    .looseObject({
      type: z.string().optional(),
      button_reply: reply.optional(),
      list_reply: reply.optional(),
      nfm_reply: z.looseObject({ body: z.string().optional(), name: z.string().optional() }).optional(),
      call_permission_reply: z.looseObject({ response: z.string().optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  reaction: z.looseObject({ message_id: z.string().optional(), emoji: z.string().optional() }).optional(),
  location: z
    .looseObject({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional(), url: z.string().optional() })
    .optional(),
  contacts: z
    .array(
      z.looseObject({
        name: z.looseObject({ formatted_name: z.string().optional() }).optional(),
        phones: z.array(z.looseObject({ phone: z.string().optional() })).optional(),
      }),
    )
    .optional(),
  order: z
    .looseObject({
      text: z.string().optional(),
      product_items: z.array(z.looseObject({ product_retailer_id: z.string(), quantity: z.number() })).optional(),
    })
    .optional(),
  unsupported: z.looseObject({ type: z.string().optional() }).optional(),
  errors: z.array(z.looseObject({ code: z.number().optional(), title: z.string().optional() })).optional(),
});
export type WhatsappMessage = z.infer<typeof whatsappMessage>;

const metaError = z.looseObject({
  code: z.number().optional(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});

export const whatsappStatus = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  /** The user id a reply sent to a user id went to (no recipient_id then). */
  recipient_user_id: z.string().optional(),
  recipient_type: z.string().optional(),
  errors: z.array(metaError).optional(),
});
export type WhatsappStatus = z.infer<typeof whatsappStatus>;

export const messagingEntry = z.looseObject({ id: z.string().optional(), messaging: z.array(z.unknown()) });

const coordinates = z.looseObject({ lat: z.number(), long: z.number() });
const watermark = z.number().int().positive();

export const messagingEvent = z.looseObject({
  /** Absent only on opt-ins from the checkbox plugin, which name a user_ref instead. */
  sender: z.looseObject({ id: z.string().min(1) }).optional(),
  recipient: z.looseObject({ id: z.string() }).optional(),
  timestamp: z.number().optional(),
  message: z
    .looseObject({
      mid: z.string().min(1),
      text: z.string().optional(),
      is_echo: z.boolean().optional(),
      is_deleted: z.boolean().optional(),
      is_unsupported: z.boolean().optional(),
      reply_to: z.looseObject({ mid: z.string().optional() }).optional(),
      quick_reply: z.looseObject({ payload: z.string().optional() }).optional(),
      attachments: z
        .array(
          z.looseObject({
            type: z.string(),
            payload: z.looseObject({ url: z.string().optional(), title: z.string().optional(), coordinates: coordinates.optional() }).nullish(),
          }),
        )
        .optional(),
    })
    .optional(),
  postback: z.looseObject({ mid: z.string().optional(), title: z.string().optional(), payload: z.string().optional() }).optional(),
  delivery: z.looseObject({ mids: z.array(z.string().min(1)).optional(), watermark }).optional(),
  read: z.looseObject({ watermark }).optional(),
  referral: z.looseObject({ ref: z.string().optional(), source: z.string().optional(), type: z.string().optional() }).optional(),
  optin: z
    .looseObject({
      type: z.string().optional(),
      ref: z.string().optional(),
      payload: z.string().optional(),
      title: z.string().optional(),
      user_ref: z.string().optional(),
      notification_messages_status: z.string().optional(),
    })
    .optional(),
  reaction: z.looseObject({ mid: z.string().optional(), action: z.string().optional(), emoji: z.string().optional() }).optional(),
});
export type MessagingEvent = z.infer<typeof messagingEvent>;

/** A zod failure as one line for a rejection reason. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
