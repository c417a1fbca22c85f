import { sendApiKindOf, WHATSAPP_CAPTIONED, whatsappKindOf } from '../../domain/outbound-attachments.ts';
import type { OutboundFile } from '../attachments.ts';

/** WhatsApp refuses a longer caption; such a text goes as a message of its own. */
const WHATSAPP_CAPTION_MAX = 1024;

/**
 * The WhatsApp Cloud API messages a reply becomes, in order (each is one `POST /messages` body
 * without the addressing): one per file, by `link`, as image, video, audio, sticker or document
 * (src/domain/outbound-attachments.ts decides which, and checked the limits before the reply was
 * taken). The text is the caption of the first file that takes one; when none does, or the text is
 * too long for a caption, it goes first as a text message. No files: the text message alone.
 */
export function whatsappMessages(text: string, files: readonly OutboundFile[], link: (file: OutboundFile) => string): Array<Record<string, unknown>> {
  const kinds = files.map((file) => whatsappKindOf(file.contentType));
  const captioned = text && text.length <= WHATSAPP_CAPTION_MAX ? kinds.findIndex((kind) => WHATSAPP_CAPTIONED.has(kind)) : -1;
  const messages: Array<Record<string, unknown>> = text && captioned === -1 ? [{ type: 'text', text: { body: text } }] : [];
  files.forEach((file, i) => {
    const kind = kinds[i]!;
    const media: Record<string, unknown> = { link: link(file) };
    if (i === captioned) media.caption = text;
    // A document shows its file name; WhatsApp would otherwise show the link's last segment.
    if (kind === 'document') media.filename = file.filename;
    messages.push({ type: kind, [kind]: media });
  });
  return messages;
}

/**
 * The Send API messages (Messenger, Instagram) a reply becomes, in order: the text, when there is
 * one, then one message per file as an attachment Meta fetches from `url` (`is_reusable`: Meta may
 * keep it and show it again without fetching).
 */
export function sendApiMessages(text: string, files: readonly OutboundFile[], link: (file: OutboundFile) => string): Array<Record<string, unknown>> {
  return [
    ...(text ? [{ text }] : []),
    ...files.map((file) => ({ attachment: { type: sendApiKindOf(file.contentType), payload: { url: link(file), is_reusable: true } } })),
  ];
}
