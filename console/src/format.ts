/** Times and labels as the console shows them, in the browser's language and time zone. */

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

/** 14:32 today, 3 Mar, 14:32 another day. */
export function shortTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  return at.toDateString() === now.toDateString() ? time.format(at) : dayAndTime.format(at);
}

export function fullTime(iso: string): string {
  return full.format(new Date(iso));
}

/** "5 min ago", "in 2 hr". */
export function fromNow(iso: string, now = new Date()): string {
  const seconds = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? 'just now' : 'in a moment';
  if (abs < 3_600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3_600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

const CHANNELS: Record<string, string> = { email: 'E-mail', sms: 'SMS', whatsapp: 'WhatsApp', messenger: 'Messenger', instagram: 'Instagram', chat: 'Web chat' };

export function channelName(channel: string): string {
  return CHANNELS[channel] ?? channel;
}

export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Triage's default categories as a heading reads them; a tenant's own are shown as named. */
const CATEGORIES: Record<string, string> = { refund: 'Refund request', technical: 'Technical issue', billing: 'Billing question', complaint: 'Complaint', general: 'General question' };

/** What a conversation is about, for lists and headings: its subject, else its category. */
export function topicOf(c: { subject: string | null; category: string | null }): string {
  if (c.subject) return c.subject;
  if (c.category) return CATEGORIES[c.category] ?? capitalized(c.category.replace(/[-_]/g, ' '));
  return 'Not triaged yet';
}

/** The response the team owes next and when: first response, then next response. */
export function dueOf(sla: { firstResponseDueAt: string | null; nextResponseDueAt: string | null; breached: string[] }): { label: string; at: string; breached: boolean } | null {
  if (sla.firstResponseDueAt) return { label: 'First reply', at: sla.firstResponseDueAt, breached: sla.breached.includes('firstResponse') };
  if (sla.nextResponseDueAt) return { label: 'Next reply', at: sla.nextResponseDueAt, breached: sla.breached.includes('nextResponse') };
  return null;
}
