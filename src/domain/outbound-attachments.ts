/**
 * Which files a reply may carry on each channel: the providers' own size and type rules, checked
 * before the reply is appended, so an agent hears at once what a provider would refuse hours later
 * as a failed delivery. Pure: the caller gives each file's size (from the store) and the
 * deployment's `channels.attachments.maxBytes` for the channels that leave the limit to us.
 */
import type { Channel } from './state.ts';

/** A file as the rules see it. */
export interface OutgoingFile {
  filename: string;
  contentType: string;
  size: number;
}

/** Where the reply goes: its channel and the provider that carries it. */
export interface AttachmentTarget {
  channel: Channel;
  provider: string;
}

/** Twilio's MMS and Meta's Send API take at most ten media; no channel of ours needs more. */
export const MAX_OUTBOUND_ATTACHMENTS = 10;

export type AttachmentVerdict = { ok: true } | { ok: false; message: string; channel: string; attachment?: string };

/** Providers state limits in MB; read as 10^6 bytes, a file we accept is one they accept. */
const KB = 1_000;
const MB = 1_000_000;

/** `type/subtype` in lower case, parameters left out (`audio/ogg; codecs=opus` is audio/ogg). */
export const mediaTypeOf = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();

export type WhatsAppMediaKind = 'image' | 'video' | 'audio' | 'sticker' | 'document';

const WHATSAPP_KINDS: Record<string, WhatsAppMediaKind> = {
  'image/jpeg': 'image',
  'image/jpg': 'image',
  'image/png': 'image',
  'video/mp4': 'video',
  'video/3gpp': 'video',
  'audio/aac': 'audio',
  'audio/amr': 'audio',
  'audio/mpeg': 'audio',
  'audio/mp4': 'audio',
  'audio/ogg': 'audio',
  'image/webp': 'sticker',
};

/** The WhatsApp message a file goes out as: a type WhatsApp does not play or show is a document. */
export const whatsappKindOf = (contentType: string): WhatsAppMediaKind => WHATSAPP_KINDS[mediaTypeOf(contentType)] ?? 'document';

/** WhatsApp message types that take a caption (audio and stickers do not). */
export const WHATSAPP_CAPTIONED: ReadonlySet<WhatsAppMediaKind> = new Set(['image', 'video', 'document']);

const WHATSAPP_LIMITS: Record<WhatsAppMediaKind, { bytes: number; what: string }> = {
  image: { bytes: 5 * MB, what: 'images (JPEG, PNG)' },
  video: { bytes: 16 * MB, what: 'videos (MP4, 3GPP)' },
  audio: { bytes: 16 * MB, what: 'audio (AAC, AMR, MP3, MP4, OGG)' },
  sticker: { bytes: 500 * KB, what: 'stickers (WebP)' },
  document: { bytes: 100 * MB, what: 'documents' },
};

/** The attachment type of Meta's Send API (Messenger, Instagram) a file goes out as. */
export type SendApiKind = 'image' | 'video' | 'audio' | 'file';
export function sendApiKindOf(contentType: string): SendApiKind {
  const top = mediaTypeOf(contentType).split('/')[0];
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'file';
}

/** What Twilio accepts over MMS (its "accepted content types for media"); anything else it refuses. */
const TWILIO_MMS_TYPES = new Set([
  ...['jpeg', 'jpg', 'gif', 'png', 'bmp', 'tiff', 'heic', 'heif'].map((s) => `image/${s}`),
  ...['basic', 'l24', 'mp4', 'mpeg', 'ogg', 'vorbis', 'vnd.rn-realaudio', 'vnd.wave', '3gpp', '3gpp2', 'ac3', 'webm', 'amr-nb', 'amr', 'aac'].map((s) => `audio/${s}`),
  ...['mpeg', 'mpeg4', 'mp4', 'quicktime', 'webm', '3gpp', '3gpp2', '3gpp-tt', 'h261', 'h263', 'h263-1998', 'h263-2000', 'h264'].map((s) => `video/${s}`),
  ...['vcard', 'x-vcard', 'csv', 'rtf', 'richtext', 'calendar', 'directory'].map((s) => `text/${s}`),
  ...[
    'pdf',
    'vcard',
    'vnd.apple.pkpass',
    'msword',
    'vnd.ms-excel',
    'vnd.ms-powerpoint',
    'vnd.openxmlformats-officedocument.presentationml.presentation',
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'vnd.openxmlformats-officedocument.wordprocessingml.document',
  ].map((s) => `application/${s}`),
]);

const INSTAGRAM_IMAGES = new Set(['image/jpeg', 'image/jpg', 'image/png', 'image/gif']);

/** One provider's rules: a sentence per refused file (null: fine), and a limit on all files together. */
interface Rules {
  name: string;
  file(file: OutgoingFile, type: string): string | null;
  total?: { bytes: number; rule: string };
}

const sizeOf = (bytes: number) => (bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : bytes >= KB ? `${(bytes / KB).toFixed(1)} KB` : `${bytes} bytes`);
const limit = (bytes: number) => (bytes >= MB ? `${+(bytes / MB).toFixed(1)} MB` : bytes >= KB ? `${+(bytes / KB).toFixed(1)} KB` : `${bytes} bytes`);

const whatsappFile = (cap?: { bytes: number; why: string }) => (file: OutgoingFile, type: string) => {
  const rule = WHATSAPP_LIMITS[whatsappKindOf(type)];
  if (file.size > rule.bytes) return `it is ${sizeOf(file.size)} and WhatsApp takes ${rule.what} up to ${limit(rule.bytes)}`;
  if (cap && file.size > cap.bytes) return `it is ${sizeOf(file.size)} and ${cap.why}`;
  return null;
};

function rulesFor(target: AttachmentTarget, maxBytes: number): Rules | null {
  if (target.channel === 'email') {
    // Whoever carried the customer's mail in, the reply leaves by our SMTP: the deployment's limit.
    return { name: 'e-mail', file: () => null, total: { bytes: maxBytes, rule: `e-mail takes at most ${limit(maxBytes)} of attachments a message` } };
  }
  if (target.channel === 'chat') {
    return { name: 'web chat', file: (f) => (f.size > maxBytes ? `it is ${sizeOf(f.size)} and web chat takes files up to ${limit(maxBytes)}` : null) };
  }
  switch (target.provider) {
    case 'twilio':
      // An SMS number that takes no MMS is still sent MMS by Twilio: its rules hold for every Twilio text.
      return {
        name: 'SMS (Twilio MMS)',
        file: (_f, type) => (TWILIO_MMS_TYPES.has(type) ? null : `Twilio MMS takes images, audio, video, PDF, vCard and office documents, not ${type}`),
        total: { bytes: 5 * MB, rule: 'Twilio MMS takes at most 5 MB of media a message' },
      };
    case 'twilio-whatsapp':
      // WhatsApp's own rules, and Twilio's limit of 16 MB a media on top (a document WhatsApp takes up to 100 MB).
      return { name: 'WhatsApp (through Twilio)', file: whatsappFile({ bytes: 16 * MB, why: 'Twilio takes WhatsApp media up to 16 MB' }) };
    case 'whatsapp':
      return { name: 'WhatsApp', file: whatsappFile() };
    case 'messenger':
      return { name: 'Messenger', file: (f) => (f.size > 25 * MB ? `it is ${sizeOf(f.size)} and Messenger takes files up to 25 MB` : null) };
    case 'instagram':
      return {
        name: 'Instagram',
        file(f, type) {
          const top = type.split('/')[0];
          if (INSTAGRAM_IMAGES.has(type)) return f.size > 8 * MB ? `it is ${sizeOf(f.size)} and Instagram takes images up to 8 MB` : null;
          if (top === 'video' || top === 'audio') return f.size > 25 * MB ? `it is ${sizeOf(f.size)} and Instagram takes ${top} up to 25 MB` : null;
          return `Instagram takes images (JPEG, PNG, GIF), video and audio only, not ${type}`;
        },
      };
    default:
      return null;
  }
}

/**
 * Whether every file may go out to the target, in order: the count, then each file, then the
 * total; the refusal names the file (when one is at fault), the channel and the rule.
 */
export function checkOutboundAttachments(target: AttachmentTarget, files: readonly OutgoingFile[], limits: { maxBytes: number }): AttachmentVerdict {
  if (files.length === 0) return { ok: true };
  const rules = rulesFor(target, limits.maxBytes);
  const channel = rules?.name ?? `${target.channel} (${target.provider})`;
  if (!rules) return { ok: false, channel, message: `replies on ${channel} cannot carry attachments: we send no files through ${target.provider}` };
  if (files.length > MAX_OUTBOUND_ATTACHMENTS) return { ok: false, channel, message: `a reply carries at most ${MAX_OUTBOUND_ATTACHMENTS} attachments, not ${files.length}` };
  for (const file of files) {
    const why = rules.file(file, mediaTypeOf(file.contentType));
    if (why) return { ok: false, channel, attachment: file.filename, message: `${JSON.stringify(file.filename)} cannot go out on ${channel}: ${why}` };
  }
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (rules.total && total > rules.total.bytes) {
    return { ok: false, channel, message: `the attachments are ${sizeOf(total)} together and cannot go out on ${channel}: ${rules.total.rule}` };
  }
  return { ok: true };
}
