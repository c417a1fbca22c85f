import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type Attachment, type EmailAddress, type ParsedMail } from 'mailparser';
import { normaliseEmail } from '../handles.ts';
import type { InboundMessage } from '../ingest.ts';
import { supportRecipients, type SupportAddresses } from './addresses.ts';
import { detectAutomated } from './automated.ts';
import { cleanId, firstHeader, headerDate, messageIds, rawHeaders, type RawHeaders } from './headers.ts';
import type { AttachmentStore } from '../../attachments/store.ts';
import { stripQuotedReply } from './strip.ts';

type Attachments = NonNullable<InboundMessage['attachments']>;

/** Where a mail came from and what of it is kept as the original. */
export interface MailSource {
  provider: 'smtp' | 'sendgrid';
  /** The bytes kept aside as the original (and hashed when the mail has no Message-ID). */
  original: { content: Buffer; filename: string; contentType: string };
  /** Envelope recipients (RCPT TO, SendGrid's envelope.to): they decide the tenant. */
  envelopeRecipients: readonly string[];
  /** The adapter's receipt time: the event time when the Date header is missing or not credible. */
  receivedAt: Date;
}

export interface MailSettings {
  /** channels.email.addresses: support address (lower-case) -> tenant. */
  addresses: SupportAddresses;
  store: AttachmentStore;
  /** channels.attachments.maxBytes: larger attachments keep their metadata only. */
  maxAttachmentBytes: number;
}

/** What an InboundMessage is made of: a ParsedMail, or one assembled from SendGrid's parsed fields. */
export type MailContent = Pick<ParsedMail, 'headerLines' | 'from' | 'to' | 'cc' | 'subject' | 'text'> &
  // The HTML part (when there is one) is a second opinion on where the quoted history starts.
  Partial<Pick<ParsedMail, 'html'>> & {
  attachments: ReadonlyArray<Pick<Attachment, 'filename' | 'contentType' | 'content' | 'contentId'>>;
};

/** `code` is what logs show; `reason` (kept with the input, answered to the sender) may quote addresses. */
export type MailResult = { ok: true; messages: InboundMessage[] } | { ok: false; tenant: string | null; code: 'no_support_recipient' | 'no_sender'; reason: string };

/**
 * Events travel as one Kafka record (the broker's default limit is 1 MiB); a longer body is cut here
 * and stays whole in the stored original.
 */
export const MAX_TEXT_CHARS = 64 * 1024;
const TRUNCATED_NOTE = '\n\n[…the rest is in the original message (original.eml)]';
/** For the same reason, a mail with more parts than this lists the first ones (the original has all). */
export const MAX_ATTACHMENTS = 100;

/** mailparser without the HTML renderings we never use; bounded HTML-to-text work on huge bodies. */
export function parseRawMail(raw: Buffer): Promise<ParsedMail> {
  return simpleParser(raw, { skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true, maxHtmlLengthToParse: 2 * 1024 * 1024, checksumAlgo: false });
}

function addressList(value: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  // Group syntax (`Team: a@x, b@y;`) nests its members.
  return objects.flatMap((o) => o.value).flatMap((a) => (a.group ? a.group : [a]));
}

/** The first From address that is an e-mail address (some mail has several, or a broken one). */
function senderAddress(mail: MailContent): string | undefined {
  return addressList(mail.from)
    .map((a) => a.address ?? '')
    .find((address) => normaliseEmail(address).ok);
}

/** A stable id for mail without a Message-ID: a re-delivery of the same bytes is the same event. */
function contentId(content: Buffer): string {
  // Relays may turn CRLF into LF and back; the message is the same either way.
  const normalised = Buffer.from(content.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
  return `sha256:${createHash('sha256').update(normalised).digest('hex')}`;
}

const mimeType = /^[^\s/]+\/[^\s/;]+/;
const languageTag = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;
/** Our outgoing mail carries the conversation in this header; auto-replies and bounces often quote it back. */
const conversationHeader = 'x-cs-conversation';

function cleanFilename(name: string | undefined, index: number): string {
  const cleaned = (name ?? '').replace(/[\x00-\x1f\x7f]/g, '').trim().slice(0, 255);
  return cleaned.length > 0 ? cleaned : `attachment-${index + 1}`;
}

async function storeAttachments(mail: MailContent, source: MailSource, settings: MailSettings): Promise<Attachments> {
  const out: Attachments = [];
  for (const [index, part] of mail.attachments.slice(0, MAX_ATTACHMENTS).entries()) {
    const content = part.content;
    const contentType = mimeType.test(part.contentType) && part.contentType.length <= 255 ? part.contentType : 'application/octet-stream';
    const entry: Attachments[number] = { filename: cleanFilename(part.filename, index), contentType, size: content.length };
    const cid = part.contentId === undefined ? null : cleanId(part.contentId);
    if (cid) entry.contentId = cid;
    // Too large to keep: agents still see that it came, its name and size.
    if (content.length <= settings.maxAttachmentBytes) entry.storageKey = await settings.store.put(content);
    out.push(entry);
  }
  // The original is always kept (the transport already bounded its size): it is the evidence.
  const { content, filename, contentType } = source.original;
  out.push({ filename, contentType, size: content.length, storageKey: await settings.store.put(content) });
  return out;
}

function replyText(mail: MailContent): string {
  const text = stripQuotedReply(mail.text ?? '', mail.html);
  return text.length > MAX_TEXT_CHARS ? text.slice(0, MAX_TEXT_CHARS) + TRUNCATED_NOTE : text;
}

/** The thread root: the first of References, else the first of In-Reply-To, else this message. */
function threadRoot(headers: RawHeaders, providerMessageId: string): string {
  return messageIds(firstHeader(headers, 'references'))[0] ?? messageIds(firstHeader(headers, 'in-reply-to'))[0] ?? providerMessageId;
}

function conversationToken(headers: RawHeaders): string | undefined {
  const value = firstHeader(headers, conversationHeader)?.trim();
  // Same token as the `+c<conversationId>` sub-address, so both ways give one thread key.
  return value && /^[A-Za-z0-9._=-]{1,127}$/.test(value) ? `c${value}` : undefined;
}

/**
 * A parsed mail as one InboundMessage per tenant it was sent to (normally one), or the reason it
 * cannot become an event. Stores attachments and the original aside.
 */
export async function toInboundMessages(mail: MailContent, source: MailSource, settings: MailSettings): Promise<MailResult> {
  const headers = rawHeaders(mail.headerLines);
  const envelope = [...source.envelopeRecipients, ...(headers.get('x-original-to') ?? []), ...(headers.get('delivered-to') ?? [])];
  const visible = [...addressList(mail.to), ...addressList(mail.cc)].map((a) => a.address ?? '');
  const recipients = supportRecipients(settings.addresses, envelope, visible);
  if (recipients.length === 0) {
    const seen = [...envelope, ...visible].filter(Boolean).slice(0, 5).map((r) => r.slice(0, 100)).join(', ') || 'none';
    return { ok: false, tenant: null, code: 'no_support_recipient', reason: `no recipient is a support address we serve (recipients: ${seen})` };
  }
  const from = senderAddress(mail);
  if (from === undefined) {
    const given = (firstHeader(headers, 'from') ?? '').slice(0, 120);
    return { ok: false, tenant: recipients[0]!.tenant, code: 'no_sender', reason: given ? `no usable From address in ${JSON.stringify(given)}` : 'the message has no From header' };
  }

  const providerMessageId = messageIds(firstHeader(headers, 'message-id'))[0] ?? contentId(source.original.content);
  const inReplyTo = messageIds(firstHeader(headers, 'in-reply-to')).at(-1);
  const language = firstHeader(headers, 'content-language')?.split(',')[0]?.trim();
  const automated = detectAutomated(headers, from);
  const headerToken = conversationToken(headers);
  const subject = mail.subject?.trim().slice(0, 998);
  const base: Omit<InboundMessage, 'tenant'> = {
    channel: 'email',
    provider: source.provider,
    from,
    text: replyText(mail),
    time: (headerDate(firstHeader(headers, 'date'), source.receivedAt) ?? source.receivedAt).toISOString(),
    providerMessageId,
    attachments: await storeAttachments(mail, source, settings),
  };
  if (subject) base.subject = subject;
  if (inReplyTo !== undefined) base.inReplyTo = inReplyTo;
  if (language && languageTag.test(language)) base.language = language;
  if (automated) base.automated = automated;

  const messages = recipients.map(({ tenant, token }): InboundMessage => {
    const reply = token !== undefined ? token : headerToken;
    return { ...base, tenant, threadKey: reply !== undefined ? `token:${reply}` : threadRoot(headers, providerMessageId) };
  });
  return { ok: true, messages };
}
