import type { EventDataInput } from '../../../events/index.ts';
import type { InboundMessage } from '../ingest.ts';
import { param, type FormParams } from './form.ts';

type Attachment = NonNullable<EventDataInput<'message.received'>['attachments']>[number];

export type ParsedInbound = { ok: true; message: InboundMessage } | { ok: false; reason: string };

/**
 * An inbound SMS/MMS webhook as an InboundMessage. Twilio gives no send time, so the receipt time
 * stands in. Media stay at Twilio: the event carries their URL and type, never their bytes.
 */
export function parseInbound(params: FormParams, tenant: string, receivedAt: Date): ParsedInbound {
  const sid = param(params, 'MessageSid') ?? param(params, 'SmsMessageSid');
  const from = param(params, 'From');
  if (!sid) return { ok: false, reason: 'MessageSid is missing' };
  if (!from) return { ok: false, reason: 'From is missing' };
  const attachments = mediaOf(params);
  if (!attachments.ok) return attachments;
  const text = param(params, 'Body') ?? '';
  // Refused before ingesting: the ingestor would resolve (create) the customer before finding out.
  if (text === '' && attachments.value.length === 0) return { ok: false, reason: 'Body is empty and there is no media' };
  const message: InboundMessage = {
    tenant,
    // WhatsApp through Twilio arrives here too (From "whatsapp:+…"): the phone number is the same identity.
    channel: 'sms',
    provider: 'twilio',
    from,
    text,
    time: receivedAt.toISOString(),
    providerMessageId: sid,
  };
  if (attachments.value.length > 0) message.attachments = attachments.value;
  return { ok: true, message };
}

function mediaOf(params: FormParams): { ok: true; value: Attachment[] } | { ok: false; reason: string } {
  const raw = param(params, 'NumMedia') ?? '0';
  const count = /^\d{1,2}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(count)) return { ok: false, reason: `NumMedia is not a small count: ${JSON.stringify(raw.slice(0, 20))}` };
  const out: Attachment[] = [];
  for (let i = 0; i < count; i++) {
    const url = param(params, `MediaUrl${i}`);
    const contentType = param(params, `MediaContentType${i}`);
    if (!url || !contentType) return { ok: false, reason: `MediaUrl${i} or MediaContentType${i} is missing (NumMedia is ${count})` };
    out.push({
      filename: mediaFilename(url, contentType, i),
      contentType,
      // Twilio does not say how large a media file is; 0 until the content is fetched.
      size: 0,
      // The media's address at Twilio, from which the outbound side or a fetcher can get the bytes.
      storageKey: url,
    });
  }
  return { ok: true, value: out };
}

/** Twilio gives no file name: the media SID (last path segment) with the subtype as extension. */
function mediaFilename(url: string, contentType: string, index: number): string {
  const segment = /\/([A-Za-z0-9_-]{1,64})\/?$/.exec(url.split('?')[0]!)?.[1] ?? `media-${index}`;
  const subtype = /^[^/]+\/([A-Za-z0-9.+-]{1,20})/.exec(contentType)?.[1];
  return subtype ? `${segment}.${subtype}` : segment;
}
