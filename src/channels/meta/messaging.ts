import type { EventDataInput } from '../../../events/index.ts';
import type { InboundMessage } from '../ingest.ts';
import { isoFromEpoch, type MetaItem, type MetaUnit } from './items.ts';
import { describeIssues, messagingEntry, messagingEvent, type MessagingEvent } from './payload.ts';

type Attachment = NonNullable<EventDataInput<'message.received'>['attachments']>[number];

/** Attachment kinds that are files; the others (location, share, template, story mention, …) are links or cards. */
const FILE_TYPES = new Map([
  ['image', 'image/*'],
  ['video', 'video/*'],
  ['audio', 'audio/*'],
  ['file', 'application/octet-stream'],
]);

/**
 * A Messenger (`page`) or Instagram (`instagram`) body as one unit per entry: entry.id is the page
 * or Instagram account, which decides the tenant.
 */
export function messagingUnits(provider: 'messenger' | 'instagram', object: string, entries: unknown[], receivedAt: Date): MetaUnit[] {
  return entries.map((rawEntry) => {
    const raw = { object, entry: [rawEntry] };
    const entry = messagingEntry.safeParse(rawEntry);
    if (!entry.success) {
      // Feed changes, standby (another app holds the thread) and the like carry no messaging for us.
      const hasMessaging = typeof rawEntry === 'object' && rawEntry !== null && 'messaging' in rawEntry;
      return { routeId: undefined, raw, items: [hasMessaging ? { kind: 'invalid', reason: `entry: ${describeIssues(entry.error)}` } : { kind: 'ignored', what: `${provider} entry without messaging` }] };
    }
    return { routeId: entry.data.id, raw, items: entry.data.messaging.map((e) => messagingItem(provider, e, receivedAt)) };
  });
}

function messagingItem(provider: 'messenger' | 'instagram', raw: unknown, receivedAt: Date): MetaItem {
  const parsed = messagingEvent.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', reason: `${provider} messaging event: ${describeIssues(parsed.error)}` };
  const e = parsed.data;
  const base = { channel: 'social' as const, provider, from: e.sender.id, time: isoFromEpoch(e.timestamp, 'ms', receivedAt) };
  if (e.message) {
    // Echoes are our own page's messages; deletions take nothing new from the customer.
    if (e.message.is_echo) return { kind: 'ignored', what: `${provider} echo` };
    if (e.message.is_deleted) return { kind: 'ignored', what: `${provider} deletion` };
    return { kind: 'message', message: { ...base, ...messageContent(e.message), providerMessageId: e.message.mid } };
  }
  if (e.postback) {
    // Older API versions send postbacks without a mid: sender and time identify the tap.
    const id = e.postback.mid ?? `postback:${e.sender.id}:${e.timestamp ?? 0}`;
    return { kind: 'message', message: { ...base, text: e.postback.title || e.postback.payload || '[postback]', providerMessageId: id } };
  }
  if (e.reaction?.action === 'react' && e.reaction.emoji && e.reaction.mid) {
    const message: Omit<InboundMessage, 'tenant'> = { ...base, text: e.reaction.emoji, providerMessageId: `reaction:${e.reaction.mid}:${e.sender.id}:${e.timestamp ?? 0}`, inReplyTo: e.reaction.mid };
    return { kind: 'message', message };
  }
  // Deliveries, reads, opt-ins, referrals, unreactions: not something the customer said.
  return { kind: 'ignored', what: `${provider} ${Object.keys(e).find((k) => !['sender', 'recipient', 'timestamp'].includes(k)) ?? 'event'}` };
}

function messageContent(m: NonNullable<MessagingEvent['message']>): Pick<InboundMessage, 'text' | 'attachments' | 'inReplyTo'> {
  const lines = m.text ? [m.text] : [];
  const attachments: Attachment[] = [];
  for (const [i, a] of (m.attachments ?? []).entries()) {
    const url = a.payload?.url;
    const contentType = FILE_TYPES.get(a.type);
    if (contentType && url) {
      // Messenger gives neither type nor size of the file, only its kind and a CDN URL.
      const attachment: Attachment = { filename: fileName(url, `${a.type}-${i + 1}`), contentType, size: 0 };
      if (url.length <= 1024) attachment.storageKey = url;
      attachments.push(attachment);
    } else lines.push(`[${a.type}${a.payload?.title ? `: ${a.payload.title}` : ''}]${url ? ` ${url}` : ''}`);
  }
  if (m.is_unsupported) lines.push('[unsupported message]');
  const out: Pick<InboundMessage, 'text' | 'attachments' | 'inReplyTo'> = { text: lines.join('\n') };
  if (attachments.length) out.attachments = attachments;
  if (m.reply_to?.mid) out.inReplyTo = m.reply_to.mid;
  return out;
}

function fileName(url: string, fallback: string): string {
  try {
    const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    return /^[^\x00-\x1f/\\]{1,255}$/.test(last) ? last : fallback;
  } catch {
    return fallback;
  }
}
