import type { EventDataInput } from '../../../events/index.ts';
import type { InboundMessage } from '../ingest.ts';
import { isoFromEpoch, type MetaItem, type MetaUnit, type StatusReport } from './items.ts';
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
    return { routeId: entry.data.id, raw, items: entry.data.messaging.flatMap((e) => messagingItems(provider, e, receivedAt)) };
  });
}

/** PSIDs and IGSIDs are numbers: anything else did not come from Meta as a person's id. */
const SCOPED_ID = /^\d{1,32}$/;

function messagingItems(provider: 'messenger' | 'instagram', raw: unknown, receivedAt: Date): MetaItem[] {
  const parsed = messagingEvent.safeParse(raw);
  if (!parsed.success) return [{ kind: 'invalid', reason: `${provider} messaging event: ${describeIssues(parsed.error)}` }];
  const e = parsed.data;
  if (!e.sender) {
    // The checkbox plugin's opt-in names a user_ref: no person we can write to yet.
    return [e.optin ? { kind: 'ignored', what: `${provider} opt-in without sender` } : { kind: 'invalid', reason: `${provider} messaging event: no sender` }];
  }
  // Malformed input, never a customer: kept aside with the reason, the rest of the batch goes on.
  if (!SCOPED_ID.test(e.sender.id)) return [{ kind: 'invalid', reason: `${provider} sender id ${JSON.stringify(e.sender.id.slice(0, 64))} is not ${provider === 'messenger' ? 'a PSID' : 'an IGSID'} (digits only)` }];
  const psid = e.sender.id;
  const time = isoFromEpoch(e.timestamp, 'ms', receivedAt);
  const base = { channel: 'social' as const, provider, from: psid, time };
  if (e.message) {
    // Echoes are our own page's messages; deletions take nothing new from the customer.
    if (e.message.is_echo) return [{ kind: 'ignored', what: `${provider} echo` }];
    if (e.message.is_deleted) return [{ kind: 'ignored', what: `${provider} deletion` }];
    return [{ kind: 'message', message: { ...base, ...messageContent(e.message), providerMessageId: e.message.mid } }];
  }
  if (e.postback) {
    // Older API versions send postbacks without a mid: sender and time identify the tap.
    const id = e.postback.mid ?? `postback:${psid}:${e.timestamp ?? 0}`;
    const message: Omit<InboundMessage, 'tenant'> = { ...base, kind: 'button', text: e.postback.title || e.postback.payload || '[postback]', providerMessageId: id };
    if (e.postback.payload) message.payload = e.postback.payload.slice(0, 1000);
    return [{ kind: 'message', message }];
  }
  if (e.reaction?.action === 'react' && e.reaction.emoji && e.reaction.mid) {
    const message: Omit<InboundMessage, 'tenant'> = { ...base, text: e.reaction.emoji, providerMessageId: `reaction:${e.reaction.mid}:${psid}:${e.timestamp ?? 0}`, inReplyTo: e.reaction.mid };
    return [{ kind: 'message', message }];
  }
  if (e.delivery) {
    // mids name our messages; without them (older clients) the watermark covers all sent up to it.
    const at = isoFromEpoch(e.timestamp ?? e.delivery.watermark, 'ms', receivedAt);
    const report = { provider, status: 'delivered' as const, recipient: psid, time: at };
    if (e.delivery.mids?.length) return e.delivery.mids.map((mid) => ({ kind: 'status', status: { ...report, providerMessageId: mid } }));
    return [{ kind: 'status', status: { ...report, watermark: isoFromEpoch(e.delivery.watermark, 'ms', receivedAt) } }];
  }
  if (e.read) {
    const report: StatusReport = { provider, status: 'read', recipient: psid, time: isoFromEpoch(e.timestamp ?? e.read.watermark, 'ms', receivedAt), watermark: isoFromEpoch(e.read.watermark, 'ms', receivedAt) };
    return [{ kind: 'status', status: report }];
  }
  if (e.referral) {
    // The customer came through a link, ad or QR code: recorded as that, never as words of theirs.
    const { ref, source, type } = e.referral;
    const label = [source, type].filter(Boolean).join(' ');
    const message: Omit<InboundMessage, 'tenant'> = { ...base, kind: 'referral', text: `[referral${label ? `: ${label}` : ''}]${ref ? ` ${ref}` : ''}`, providerMessageId: `referral:${psid}:${e.timestamp ?? 0}` };
    if (ref) message.payload = ref.slice(0, 1000);
    return [{ kind: 'message', message }];
  }
  if (e.optin) {
    const { type, title, notification_messages_status: status } = e.optin;
    const payload = e.optin.payload || e.optin.ref;
    const label = [type, status, title].filter(Boolean).join(', ');
    const message: Omit<InboundMessage, 'tenant'> = { ...base, kind: 'optin', text: `[opt-in${label ? `: ${label}` : ''}]`, providerMessageId: `optin:${psid}:${e.timestamp ?? 0}` };
    if (payload) message.payload = payload.slice(0, 1000);
    return [{ kind: 'message', message }];
  }
  // Unreactions, handovers, standby and the like: not something the customer said.
  return [{ kind: 'ignored', what: `${provider} ${Object.keys(e).find((k) => !['sender', 'recipient', 'timestamp'].includes(k)) ?? 'event'}` }];
}

type Content = Pick<InboundMessage, 'text' | 'attachments' | 'inReplyTo' | 'kind' | 'payload' | 'location'>;

function messageContent(m: NonNullable<MessagingEvent['message']>): Content {
  const lines = m.text ? [m.text] : [];
  const attachments: Attachment[] = [];
  let location: Content['location'];
  for (const [i, a] of (m.attachments ?? []).entries()) {
    const url = a.payload?.url;
    const contentType = FILE_TYPES.get(a.type);
    const at = a.payload?.coordinates;
    if (a.type === 'location' && at) {
      // The coordinates are the message: in the text for the agent, and as the structured field.
      const title = a.payload?.title;
      lines.push(`[location] ${title ? `${title} ` : ''}(${at.lat}, ${at.long})${url ? ` ${url}` : ''}`);
      if (!location && Math.abs(at.lat) <= 90 && Math.abs(at.long) <= 180) location = { latitude: at.lat, longitude: at.long, ...(title ? { name: title.slice(0, 1000) } : {}) };
    } else if (contentType && url) {
      // Messenger gives neither type nor size of the file, only its kind and a CDN URL.
      const attachment: Attachment = { filename: fileName(url, `${a.type}-${i + 1}`), contentType, size: 0 };
      if (url.length <= 1024) attachment.storageKey = url;
      attachments.push(attachment);
    } else lines.push(`[${a.type}${a.payload?.title ? `: ${a.payload.title}` : ''}]${url ? ` ${url}` : ''}`);
  }
  if (m.is_unsupported) lines.push('[unsupported message]');
  const out: Content = { text: lines.join('\n') };
  if (attachments.length) out.attachments = attachments;
  if (location) out.location = location;
  // A quick reply is typed by a tap: its text is the button's label, its payload ours.
  if (m.quick_reply) {
    out.kind = 'button';
    if (m.quick_reply.payload) out.payload = m.quick_reply.payload.slice(0, 1000);
  }
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
