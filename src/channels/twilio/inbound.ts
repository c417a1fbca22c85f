import type { EventDataInput } from '../../../events/index.ts';
import { isWhatsappUserId, WHATSAPP_USER_ID } from '../handles.ts';
import type { InboundMessage } from '../ingest.ts';
import { param, type FormParams } from './form.ts';

type Attachment = NonNullable<EventDataInput<'message.received'>['attachments']>[number];

/** The provider of WhatsApp messages carried by Twilio (its WhatsApp senders share the SMS API). */
export const TWILIO_WHATSAPP = 'twilio-whatsapp';

/**
 * `problems` names each media field that was missing or malformed and what became of its media, for
 * the door to keep beside the event: such a message is taken with what can be kept of it, never
 * refused for a field it can do without.
 */
export type ParsedInbound = { ok: true; message: InboundMessage; problems: string[] } | { ok: false; reason: string };

/**
 * An inbound SMS/MMS webhook as an InboundMessage. Twilio gives no send time, so the receipt time
 * stands in. Media stay at Twilio: the event carries their URL and type, never their bytes. Only
 * what identifies the message (MessageSid, From) is required; media fields that disagree are kept
 * as far as they go (`mediaOf`), and the message is refused only when nothing of it is left.
 */
export function parseInbound(params: FormParams, tenant: string, receivedAt: Date): ParsedInbound {
  const sid = param(params, 'MessageSid') ?? param(params, 'SmsMessageSid');
  const from = param(params, 'From');
  if (!sid) return { ok: false, reason: 'MessageSid is missing' };
  if (!from) return { ok: false, reason: 'From is missing' };
  // A WhatsApp user who hides the number writes from its business-scoped user id (`whatsapp:US.…`),
  // which Twilio also gives as ExternalUserId, beside the number when it has one.
  const fromId = isWhatsappUserId(from) ? from.replace(/^whatsapp:/i, '') : undefined;
  if (fromId !== undefined && !WHATSAPP_USER_ID.test(fromId)) return { ok: false, reason: `From is not a WhatsApp user id: ${quote(from)}` };
  const userId = param(params, 'ExternalUserId');
  if (userId !== undefined && userId !== '' && !WHATSAPP_USER_ID.test(userId)) return { ok: false, reason: `ExternalUserId is not a WhatsApp user id: ${quote(userId)}` };
  const whatsapp = /^whatsapp:/i.test(from);
  const media = mediaOf(params);
  const text = param(params, 'Body') ?? '';
  // Refused before ingesting: the ingestor would resolve (create) the customer before finding out.
  if (text === '' && media.attachments.length === 0) {
    return { ok: false, reason: ['Body is empty and there is no media', ...media.problems].join('; ') };
  }
  const message: InboundMessage = {
    tenant,
    // WhatsApp through Twilio arrives here too (From "whatsapp:…"): a WhatsApp message (channel
    // social, as from Meta directly), so replies go back by WhatsApp, never by SMS; the number is
    // the same phone identity as the customer's SMS and Meta WhatsApp.
    channel: whatsapp ? 'social' : 'sms',
    provider: whatsapp ? TWILIO_WHATSAPP : 'twilio',
    from,
    text,
    time: receivedAt.toISOString(),
    providerMessageId: sid,
  };
  if (media.attachments.length > 0) message.attachments = media.attachments;
  if (userId && userId !== fromId && /^whatsapp:/i.test(from)) message.linked = [userId];
  return { ok: true, message, problems: media.problems };
}

/** The event's own bounds for a media's address (`storageKey`) and type (`contentType`). */
const MAX_URL_CHARS = 1024;
const MAX_TYPE_CHARS = 255;
const MIME_TYPE = /^[^\s/]+\/[^\s/;]+/;
/** What a media of unknown type is recorded as: "arbitrary bytes", as the e-mail door does too. */
export const UNKNOWN_MEDIA_TYPE = 'application/octet-stream';
/** A media field's index as Twilio writes it (NumMedia is at most 10; two digits, no leading zero). */
const MEDIA_FIELD = /^Media(Url|ContentType)(0|[1-9]\d?)$/;

/**
 * The attachments of an MMS, read from the MediaUrlN/MediaContentTypeN fields present (and those
 * NumMedia announces), with what did not add up. A media with a URL is kept: without a usable type it
 * is recorded as `application/octet-stream` (its bytes are at the URL, whatever they are). A media
 * without a usable URL cannot be fetched by anyone and is left out. Twilio gives no size: 0.
 */
function mediaOf(params: FormParams): { attachments: Attachment[]; problems: string[] } {
  const problems: string[] = [];
  const raw = param(params, 'NumMedia');
  const announced = raw !== undefined && /^\d{1,2}$/.test(raw) ? Number(raw) : undefined;
  if (raw !== undefined && announced === undefined) problems.push(`NumMedia is not a count (${quote(raw)})`);
  const indices = new Set<number>();
  for (let i = 0; i < (announced ?? 0); i++) indices.add(i);
  for (const name of Object.keys(params)) {
    const index = MEDIA_FIELD.exec(name)?.[2];
    if (index !== undefined) indices.add(Number(index));
  }

  const attachments: Attachment[] = [];
  for (const i of [...indices].sort((a, b) => a - b)) {
    const url = param(params, `MediaUrl${i}`);
    const type = param(params, `MediaContentType${i}`);
    if (url === undefined || url === '' || !usableUrl(url)) {
      const what = url === undefined || url === '' ? 'is missing' : `is not a usable URL (${quote(url)})`;
      problems.push(`MediaUrl${i} ${what}${type ? ` (MediaContentType${i} ${quote(type)})` : ''}: media ${i} left out`);
      continue;
    }
    const typeKnown = type !== undefined && type.length <= MAX_TYPE_CHARS && MIME_TYPE.test(type);
    if (!typeKnown) problems.push(`MediaContentType${i} ${type === undefined || type === '' ? 'is missing' : `is not a MIME type (${quote(type)})`}: media ${i} kept as ${UNKNOWN_MEDIA_TYPE}`);
    attachments.push({
      filename: mediaFilename(url, typeKnown ? type : undefined, i),
      contentType: typeKnown ? type : UNKNOWN_MEDIA_TYPE,
      // Twilio does not say how large a media file is; 0 until the content is fetched.
      size: 0,
      // The media's address at Twilio, from which the outbound side or a fetcher can get the bytes.
      storageKey: url,
    });
  }
  const urls = [...indices].filter((i) => param(params, `MediaUrl${i}`)).length;
  if (announced !== undefined && announced !== urls) problems.push(`NumMedia is ${announced} but ${urls} MediaUrlN ${urls === 1 ? 'is' : 'are'} present`);
  else if (raw === undefined && indices.size > 0) problems.push(`NumMedia is missing (${urls} MediaUrlN present)`);
  return { attachments, problems };
}

/** An http(s) URL a fetcher can use, within the event's bound, with no control characters. */
function usableUrl(url: string): boolean {
  if (url.length > MAX_URL_CHARS || /[\x00-\x1f\x7f]/.test(url)) return false;
  return URL.canParse(url) && /^https?:$/i.test(new URL(url).protocol);
}

const quote = (value: string) => JSON.stringify(value.slice(0, 40));

/** Twilio gives no file name: the media SID (last path segment) with the subtype, when known, as extension. */
function mediaFilename(url: string, contentType: string | undefined, index: number): string {
  const segment = /\/([A-Za-z0-9_-]{1,64})\/?$/.exec(url.split('?')[0]!)?.[1] ?? `media-${index}`;
  const subtype = contentType === undefined ? undefined : /^[^/]+\/([A-Za-z0-9.+-]{1,20})/.exec(contentType)?.[1];
  return subtype ? `${segment}.${subtype}` : segment;
}
