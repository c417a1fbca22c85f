/** Times, durations and labels as the console shows them: in the person's language and time zone. */
import { locale, t, timeZone } from './i18n.ts';

const cache = new Map<string, Intl.DateTimeFormat>();

/** A date formatter for the language and zone on screen now (they change when the person changes them). */
function dates(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale()}|${timeZone() ?? ''}|${JSON.stringify(options)}`;
  let format = cache.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale(), { ...options, ...(timeZone() ? { timeZone: timeZone() } : {}) });
    cache.set(key, format);
  }
  return format;
}

/** The calendar day of an instant in the person's zone, to tell "today" from other days. */
const dayOf = (at: Date) => dates({ year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);

/** 14:32 today, 3 Mar, 14:32 another day. */
export function shortTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  return dayOf(at) === dayOf(now) ? dates({ hour: '2-digit', minute: '2-digit' }).format(at) : dates({ day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(at);
}

export function fullTime(iso: string): string {
  return dates({ dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function clockTime(at: Date): string {
  return dates({ hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(at);
}

/** "5 min ago", "in 2 hr". */
export function fromNow(iso: string, now = new Date()): string {
  const seconds = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? t('time.justNow') : t('time.inAMoment');
  const relative = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto', style: 'short' });
  if (abs < 3_600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3_600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** A duration in milliseconds as people read it: 45 s, 12 min, 3 h 20 min, 2 d 4 h. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return t('duration.s', { s });
  const m = Math.round(s / 60);
  if (m < 60) return t('duration.m', { m });
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? t('duration.h', { h }) : t('duration.hm', { h, m: m % 60 });
  return h % 24 === 0 ? t('duration.d', { d: h / 24 }) : t('duration.dh', { d: Math.floor(h / 24), h: h % 24 });
}

export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

export function decimal(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

/** The channel's name in the person's language; a channel we do not know is shown as named. */
export function channelName(channel: string): string {
  return t(`channel.${channel}`, { defaultValue: channel });
}

export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const statusName = (status: string) => t(`status.${status}`, { defaultValue: capitalized(status) });
export const priorityName = (priority: string) => t(`priority.${priority}`, { defaultValue: capitalized(priority) });
export const presenceName = (presence: string) => t(`presence.${presence}`, { defaultValue: capitalized(presence) });

/** A team's name: configured ids are lower-case words (billing, tech-support). */
export const teamName = (team: string) => capitalized(team.replace(/[-_]/g, ' '));

/** Triage's categories as a heading reads them; a tenant's own are shown as named. */
export function categoryName(category: string): string {
  return t(`category.${category}`, { defaultValue: capitalized(category.replace(/[-_]/g, ' ')) });
}

/** What a conversation is about, for lists and headings: its subject, else its category. */
export function topicOf(c: { subject: string | null; category: string | null }): string {
  if (c.subject) return c.subject;
  if (c.category) return categoryName(c.category);
  return t('conversation.notTriaged');
}

/** The response the team owes next and when: first response, then next response. */
export function dueOf(sla: { firstResponseDueAt: string | null; nextResponseDueAt: string | null; breached: string[] }): { label: string; at: string; breached: boolean } | null {
  if (sla.firstResponseDueAt) return { label: t('sla.firstReply'), at: sla.firstResponseDueAt, breached: sla.breached.includes('firstResponse') };
  if (sla.nextResponseDueAt) return { label: t('sla.nextReply'), at: sla.nextResponseDueAt, breached: sla.breached.includes('nextResponse') };
  return null;
}

/** Where a message went or came from: the provider for social channels (WhatsApp, Messenger, Instagram), else the channel. */
export function viaName(channel: string, provider: string): string {
  if (channel === 'social') return t(`provider.${provider}`, { defaultValue: capitalized(provider) });
  return channelName(channel);
}

/** An identity as the reply picker lists it: "WhatsApp · +4915…". */
export function identityName(identity: { channel: string; provider: string; handle: string }): string {
  return `${viaName(identity.channel, identity.provider)} · ${identity.handle}`;
}
