import { z } from 'zod';
import type { EventDefinition } from '../definition.ts';
import { sealable } from '../sealed.ts';

/** Any printable string: ids and handles end up in Kafka headers, Redis keys and log lines. */
const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters');

/** The kind of channel a conversation happens on; routing, SLAs and KPIs are split by it. */
export const channelSchema = z.enum(['email', 'chat', 'sms', 'social']);

/**
 * Who carried the message (twilio, whatsapp, messenger, instagram, twitter, smtp, sendgrid,
 * webchat, ...). A lowercase slug rather than an enum so that a new provider needs no contract change.
 */
export const providerSchema = z
  .string()
  .max(32)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lowercase slug ([a-z0-9-], starting with a letter or digit)');

export const attachmentSchema = z.strictObject({
  /** File name as the customer sent it; shown to agents, never used as a storage path. */
  filename: sealable(z.string().min(1).max(255)),
  /** MIME type (`type/subtype`, parameters allowed) so the console knows how to preview it. */
  contentType: z
    .string()
    .max(255)
    .regex(/^[^\s/]+\/[^\s/;]+/, 'must be a MIME type such as image/png'),
  /** Size in bytes; lets policies reject or flag large uploads without fetching them. */
  size: z.number().int().nonnegative(),
  /** E-mail Content-ID of an inline part, so `cid:` references in the body can be resolved. */
  contentId: z.string().min(1).max(998).optional(),
  /**
   * Where the bytes are; events never carry file contents. Our attachment store's key (the SHA-256
   * of the bytes, 64 hex digits) when they are with us; otherwise the provider's reference (a Twilio
   * or Messenger URL, a WhatsApp media id), and `message.attachment_stored` follows once they were
   * fetched (or `message.attachment_failed`).
   */
  storageKey: z.string().min(1).max(1024).optional(),
});

export const messageReceivedData = z
  .strictObject({
    /** Channel the customer wrote on. */
    channel: channelSchema,
    /** Provider that delivered the message to us. */
    provider: providerSchema,
    /** The customer's address on that channel (e-mail address, E.164 phone, social id, webchat visitor id); identity resolution maps it to `customer`. */
    handle: sealable(printable(320)),
    /** Plain-text body as the customer wrote it; may be empty only when attachments carry the content. */
    text: z.string(),
    /** E-mail subject (or a provider's title); feeds triage and contact-reason analysis. */
    subject: sealable(z.string().max(998)).optional(),
    /** The provider's id for this message; the event id is derived from it so a provider retry is the same event. */
    providerMessageId: printable(998).optional(),
    /** The provider's thread or conversation key (e-mail thread root, Messenger thread, webchat session) used to keep replies together. */
    threadKey: printable(998).optional(),
    /** Provider message id of the message this one replies to. */
    inReplyTo: printable(998).optional(),
    /** Files that came with the message, stored out of band. */
    attachments: z.array(attachmentSchema).optional(),
    /**
     * Set when the message was written by a machine on the customer's side: an auto-reply
     * (Auto-Submitted, Precedence: bulk, out-of-office) or a bounce (delivery status notification).
     * Kept on the log, but it never opens a conversation, moves SLA clocks or triggers a survey.
     */
    automated: z.enum(['auto-reply', 'bounce']).optional(),
    /**
     * What the customer did when it was not typing or sending content (absent: they wrote or sent it):
     * `button`, they tapped a button, quick reply or list row we offered (WhatsApp interactive and
     * template buttons, Messenger and Instagram postbacks and quick replies), `text` being its label
     * as shown; `referral`, they came through a link, ad or QR code (Messenger referral); `optin`,
     * they opted in to messages (Messenger messaging_optins). A referral or opt-in is no question:
     * kept on the log, it never opens a conversation, moves an SLA clock or triggers a survey.
     */
    kind: z.enum(['button', 'referral', 'optin']).optional(),
    /** With `kind`: what the business attached to the button, link or opt-in (postback payload, reply id, ref). */
    payload: z.string().min(1).max(1000).optional(),
    /** A shared location (WhatsApp location, Messenger location attachment); `text` describes it too. */
    location: z
      .strictObject({
        latitude: z.number().min(-90).max(90),
        longitude: z.number().min(-180).max(180),
        /** The place's name and address, when the customer picked a place rather than their position. */
        name: sealable(z.string().min(1).max(1000)).optional(),
        address: sealable(z.string().min(1).max(1000)).optional(),
      })
      .optional(),
    /** BCP 47 language tag declared by the provider or detected by the adapter; drives routing to skilled agents. */
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'must be a BCP 47 language tag such as en or pt-BR')
      .optional(),
  })
  .refine((d) => d.text.length > 0 || (d.attachments?.length ?? 0) > 0, {
    path: ['text'],
    message: 'text may be empty only when there are attachments',
  })
  .meta({
    description: 'A customer wrote to us on some channel.',
    // The refinement above, spelled out for the generated JSON Schema (zod cannot export refinements).
    anyOf: [{ properties: { text: { minLength: 1 } } }, { required: ['attachments'], properties: { attachments: { minItems: 1 } } }],
  });

export const authorSchema = z.strictObject({
  /** Human agent, automated bot answer, or the system itself (auto-replies, survey invitations). */
  kind: z.enum(['agent', 'bot', 'system']),
  /** Id of the agent or bot (or the system component) within the tenant; FRT and handling time are attributed to it. */
  id: printable(128),
});

export const messageSentData = z
  .strictObject({
    /** Channel the message goes out on. */
    channel: channelSchema,
    /** Provider the outbound connector delivers through. */
    provider: providerSchema,
    /** Who on our side wrote it. */
    author: authorSchema,
    /** Plain-text body; may be empty only when attachments carry the content. */
    text: z.string(),
    /** Recipient identity on the channel when it is not simply the conversation's customer handle. */
    handle: sealable(printable(320)).optional(),
    /** E-mail subject. */
    subject: sealable(z.string().max(998)).optional(),
    /** Provider message id of the customer message being answered, so the reply threads correctly. */
    inReplyTo: printable(998).optional(),
    /** An internal note: visible to agents only, never delivered, and not a response for FRT. */
    internal: z.boolean().default(false),
    /** Our id for the outbound message; the outbound connector uses it as idempotency key so a retried send is delivered once. */
    messageId: printable(256).optional(),
    /** Files sent with the message: `storageKey` is our attachment store's key (the SHA-256 of the bytes), which the connectors send from. */
    attachments: z.array(attachmentSchema).optional(),
  })
  .refine((d) => d.text.length > 0 || (d.attachments?.length ?? 0) > 0, {
    path: ['text'],
    message: 'text may be empty only when there are attachments',
  })
  .meta({
    description: 'Someone on our side (agent, bot or system) wrote a message or an internal note.',
    // The refinement above, spelled out for the generated JSON Schema (zod cannot export refinements).
    anyOf: [{ properties: { text: { minLength: 1 } } }, { required: ['attachments'], properties: { attachments: { minItems: 1 } } }],
  });

export const messageReceived = {
  schema: messageReceivedData,
  version: 1,
  upcasters: {},
} satisfies EventDefinition;

export const messageSent = {
  schema: messageSentData,
  version: 1,
  upcasters: {},
} satisfies EventDefinition;
