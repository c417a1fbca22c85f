import type { EventDataInput } from '../../../events/index.ts';
import { isWhatsappUserId, WHATSAPP_USER_ID } from '../handles.ts';
import type { InboundMessage } from '../ingest.ts';
import type { WhatsappContact, WhatsappMessage } from './payload.ts';

type Attachment = NonNullable<EventDataInput<'message.received'>['attachments']>[number];
type Parsed = { kind: 'message'; message: Omit<InboundMessage, 'tenant' | 'time'> } | { kind: 'ignored'; what: string } | { kind: 'invalid'; reason: string };

/** Not something a customer wrote to us: a change to the chat or to the user, acknowledged and dropped. */
const NOT_MESSAGES = new Set(['system', 'revoke', 'edit', 'request_welcome', 'ephemeral']);
const MEDIA = ['image', 'video', 'audio', 'voice', 'document', 'sticker'] as const;

/**
 * One WhatsApp Cloud API message as what the customer said. Kinds without text of their own
 * (locations, contacts, orders, unsupported content) get a short description an agent can read.
 */
export function whatsappInbound(m: WhatsappMessage, contact?: WhatsappContact): Parsed {
  const sender = senderOf(m, contact);
  if (!sender.ok) return { kind: 'invalid', reason: `whatsapp message ${m.id.slice(0, 128)}: ${sender.reason}` };
  // A group's message is the group's conversation, not a one-to-one one with its sender: refused
  // with the reason (kept on the rejected-input topic) until groups are a conversation of their own.
  if (m.group_id !== undefined) return { kind: 'invalid', reason: `whatsapp message ${m.id.slice(0, 128)} is from group ${m.group_id.slice(0, 64)}: group messages are not one-to-one conversations` };
  if (NOT_MESSAGES.has(m.type)) return { kind: 'ignored', what: `whatsapp ${m.type} message` };
  let text: string;
  let attachments: Attachment[] | undefined;
  let inReplyTo = m.context?.id;
  // A tap on a button or list row we offered: its label as text, its id as payload.
  let pressed: { payload?: string | undefined } | undefined;
  let location: InboundMessage['location'];

  const mediaType = MEDIA.find((t) => t === m.type);
  if (m.type === 'text' && m.text) text = m.text.body;
  else if (mediaType && m[mediaType]) {
    const media = m[mediaType]!;
    text = media.caption ?? '';
    attachments = [
      {
        filename: media.filename || `${mediaType}-${media.id}`,
        contentType: media.mime_type,
        // The webhook does not give the size; 0 until the media is downloaded from the Graph API.
        size: 0,
        // The media id is how the Graph API hands out the bytes.
        storageKey: media.id,
      },
    ];
  } else if (m.type === 'reaction') {
    // An empty or missing emoji takes a reaction back: nothing new was said.
    if (!m.reaction?.emoji) return { kind: 'ignored', what: 'whatsapp unreaction' };
    text = m.reaction.emoji;
    inReplyTo ??= m.reaction.message_id;
  } else if (m.type === 'interactive') {
    text = interactiveText(m);
    const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
    if (reply) pressed = { payload: reply.id };
  } else if (m.type === 'button' && m.button) {
    text = m.button.text || m.button.payload || '[button]';
    pressed = { payload: m.button.payload };
  } else if (m.type === 'location' && m.location) {
    text = locationText(m.location);
    const l = m.location;
    if (Math.abs(l.latitude) <= 90 && Math.abs(l.longitude) <= 180) {
      location = { latitude: l.latitude, longitude: l.longitude };
      if (l.name) location.name = l.name.slice(0, 1000);
      if (l.address) location.address = l.address.slice(0, 1000);
    }
  }
  else if (m.type === 'contacts' && m.contacts) text = contactsText(m.contacts);
  else if (m.type === 'order' && m.order) text = orderText(m.order);
  else if (m.type === 'unsupported') text = `[unsupported message${m.unsupported?.type ? `: ${m.unsupported.type}` : ''}]`;
  else text = `[${m.type} message]`;

  const message: Omit<InboundMessage, 'tenant' | 'time'> = {
    channel: 'social',
    provider: 'whatsapp',
    from: sender.from,
    text,
    providerMessageId: m.id,
  };
  if (sender.linked.length > 0) message.linked = sender.linked;
  if (inReplyTo) message.inReplyTo = inReplyTo;
  if (attachments) message.attachments = attachments;
  if (location) message.location = location;
  if (pressed) {
    message.kind = 'button';
    if (pressed.payload) message.payload = pressed.payload.slice(0, 1000);
  }
  return { kind: 'message', message };
}

// wa_id is the number in international form without '+': with it, it is E.164 whatever our default country.
const plus = (digits: string) => (/^\d+$/.test(digits) ? `+${digits}` : digits);

/**
 * Who wrote, from the message and its contact: the address it came from (`from`, the number or the
 * user id; the user id when `from` is absent) and the sender's other address, linked to the same
 * customer. A user id must be the documented BSUID shape; one that is not is refused, naming its field.
 */
function senderOf(m: WhatsappMessage, contact: WhatsappContact | undefined): { ok: true; from: string; linked: string[] } | { ok: false; reason: string } {
  const fromIsId = m.from !== undefined && isWhatsappUserId(m.from);
  for (const [field, value] of [['from', fromIsId ? m.from : undefined], ['from_user_id', m.from_user_id], ['contacts[].user_id', contact?.user_id]] as const) {
    if (value !== undefined && !WHATSAPP_USER_ID.test(value)) return { ok: false, reason: `${field} is not a WhatsApp user id: ${JSON.stringify(value.slice(0, 80))}` };
  }
  const userId = m.from_user_id ?? contact?.user_id;
  const digits = (value: string | undefined) => (value !== undefined && /^\d+$/.test(value) ? value : undefined);
  const number = digits(m.from) ?? digits(contact?.wa_id);
  const from = m.from ?? userId;
  if (from === undefined) return { ok: false, reason: 'no sender: from, from_user_id and the contact’s user_id are all missing' };
  const others = [number === undefined ? undefined : plus(number), userId].filter((a): a is string => a !== undefined && a !== plus(from));
  return { ok: true, from: plus(from), linked: [...new Set(others)] };
}

function interactiveText(m: WhatsappMessage): string {
  const i = m.interactive;
  if (i?.button_reply) return i.button_reply.title;
  if (i?.list_reply) return i.list_reply.title;
  if (i?.nfm_reply) return i.nfm_reply.body || `[form response${i.nfm_reply.name ? `: ${i.nfm_reply.name}` : ''}]`;
  if (i?.call_permission_reply) return `[call permission: ${i.call_permission_reply.response ?? 'answered'}]`;
  // WhatsApp could not render it (it says so in errors): the agent still sees the customer tapped something.
  return `[interactive message${i?.type ? `: ${i.type}` : ''}]`;
}

function locationText(l: NonNullable<WhatsappMessage['location']>): string {
  const label = [l.name, l.address].filter(Boolean).join(', ');
  return [`[location] ${label ? `${label} ` : ''}(${l.latitude}, ${l.longitude})`, l.url].filter(Boolean).join(' ');
}

function contactsText(contacts: NonNullable<WhatsappMessage['contacts']>): string {
  const cards = contacts.map((c) => [c.name?.formatted_name, ...(c.phones ?? []).map((p) => p.phone)].filter(Boolean).join(' '));
  return `[contacts] ${cards.join('; ')}`;
}

function orderText(order: NonNullable<WhatsappMessage['order']>): string {
  const items = (order.product_items ?? []).map((p) => `${p.quantity} × ${p.product_retailer_id}`).join(', ');
  return [`[order] ${items}`, order.text].filter(Boolean).join('\n');
}
