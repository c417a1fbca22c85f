import { isoFromEpoch, type MetaItem, type MetaUnit, type StatusReport } from './items.ts';
import { describeIssues, whatsappContact, whatsappEntry, whatsappMessage, whatsappStatus, whatsappValue, type WhatsappContact, type WhatsappStatus } from './payload.ts';
import { whatsappInbound } from './whatsapp-message.ts';

const statusMap = new Map<string, StatusReport['status']>([
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['read', 'read'],
  // A voice message was listened to: read, for our purposes.
  ['played', 'read'],
  ['failed', 'failed'],
]);

/**
 * A `whatsapp_business_account` body as one unit per change: each change names its business
 * phone number (phone_number_id), which decides the tenant.
 */
export function whatsappUnits(object: string, entries: unknown[], receivedAt: Date): MetaUnit[] {
  return entries.flatMap((rawEntry): MetaUnit[] => {
    const entry = whatsappEntry.safeParse(rawEntry);
    if (!entry.success) return [{ routeId: undefined, raw: { object, entry: [rawEntry] }, items: [{ kind: 'invalid', reason: `entry: ${describeIssues(entry.error)}` }] }];
    return entry.data.changes.map((change) => {
      const raw = { object, entry: [{ id: entry.data.id, changes: [change] }] };
      // Template, account, call, echo and preference updates are not conversations with a customer.
      if (change.field !== 'messages') return { routeId: undefined, raw, items: [{ kind: 'ignored', what: `whatsapp ${change.field} update` }] };
      const value = whatsappValue.safeParse(change.value);
      if (!value.success) return { routeId: undefined, raw, items: [{ kind: 'invalid', reason: `messages change: ${describeIssues(value.error)}` }] };
      // Who sent what: the contacts name each sender's number and user id (a message may give only one).
      const contacts = (value.data.contacts ?? []).flatMap((c) => {
        const parsed = whatsappContact.safeParse(c);
        return parsed.success ? [parsed.data] : [];
      });
      const items: MetaItem[] = [
        ...(value.data.messages ?? []).map((m) => messageItem(m, contacts, receivedAt)),
        ...(value.data.statuses ?? []).map((s) => statusItem(s, receivedAt)),
      ];
      if (items.length === 0) items.push({ kind: 'ignored', what: 'whatsapp messages change without messages or statuses' });
      return { routeId: value.data.metadata?.phone_number_id, raw, items };
    });
  });
}

function messageItem(raw: unknown, contacts: WhatsappContact[], receivedAt: Date): MetaItem {
  const parsed = whatsappMessage.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', reason: `whatsapp message: ${describeIssues(parsed.error)}` };
  const m = parsed.data;
  // The message's sender among the contacts: by number or user id; the only contact when it names neither.
  const contact = contacts.find((c) => (m.from !== undefined && (c.wa_id === m.from || c.user_id === m.from)) || (m.from_user_id !== undefined && c.user_id === m.from_user_id)) ?? (contacts.length === 1 ? contacts[0] : undefined);
  const inbound = whatsappInbound(m, contact);
  if (inbound.kind !== 'message') return inbound;
  return { kind: 'message', message: { ...inbound.message, time: isoFromEpoch(parsed.data.timestamp, 's', receivedAt) } };
}

function statusItem(raw: unknown, receivedAt: Date): MetaItem {
  const parsed = whatsappStatus.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', reason: `whatsapp status: ${describeIssues(parsed.error)}` };
  const s = parsed.data;
  const status = statusMap.get(s.status);
  if (!status) return { kind: 'ignored', what: `whatsapp status ${s.status.slice(0, 40)}` };
  // A status for a group names the group, not a customer.
  const recipient = s.recipient_id ?? s.recipient_user_id;
  if (s.recipient_type === 'group' || !recipient) return { kind: 'ignored', what: 'whatsapp group status' };
  const report: StatusReport = { provider: 'whatsapp', providerMessageId: s.id, status, recipient, time: isoFromEpoch(s.timestamp, 's', receivedAt) };
  if (status === 'failed') report.error = errorText(s.errors);
  return { kind: 'status', status: report };
}

function errorText(errors: WhatsappStatus['errors']): string {
  const e = errors?.[0];
  if (!e) return 'WhatsApp reported the message failed';
  const head = e.code !== undefined ? `WhatsApp error ${e.code}` : 'WhatsApp error';
  return [head, e.title ?? e.message, e.error_data?.details].filter(Boolean).join(': ').slice(0, 1000);
}
