/** What a report can be split by, and each conversation's key: one group per combination of values. */
import type { ConversationState as Conversation } from '../fold/fold-state.ts';
import { iso } from '../time.ts';

export const GROUP_DIMENSIONS = ['tenant', 'channel', 'team', 'agent', 'category', 'day', 'week', 'month'] as const;
export type GroupDimension = (typeof GROUP_DIMENSIONS)[number];
/** null: the conversation has no value there (never triaged, nobody handled it). */
export type GroupKey = Partial<Record<GroupDimension, string | null>>;

const DAY_MS = 86_400_000;

/**
 * A comma-separated list of dimensions (`channel,week`), as `cs report --group-by` and
 * `GET /v1/kpis?groupBy=` take it: each once, in the order given; or the ones not known, named.
 */
export function parseGroupDimensions(text: string): { ok: true; dimensions: GroupDimension[] } | { ok: false; unknown: string[]; message: string } {
  const dims = text.split(',').map((d) => d.trim()).filter(Boolean);
  const unknown = dims.filter((d) => !isGroupDimension(d));
  if (unknown.length > 0) return { ok: false, unknown, message: `unknown dimension ${unknown.join(', ')}; use any of ${GROUP_DIMENSIONS.join(',')}` };
  return { ok: true, dimensions: [...new Set(dims)] as GroupDimension[] };
}

const isGroupDimension = (d: string): d is GroupDimension => (GROUP_DIMENSIONS as readonly string[]).includes(d);

/**
 * A group's key as the report writes it (`{"day":"2026-01-05","channel":"chat"}`, null for none),
 * read back from its JSON text: the dimensions are the key's own, in its order.
 */
export function parseGroupKey(text: string): { ok: true; key: GroupKey; dimensions: GroupDimension[] } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'a group is the JSON of a report group\'s key, such as {"day":"2026-01-05"}' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'a group is a JSON object of dimension to value, such as {"day":"2026-01-05"}' };
  const entries = Object.entries(value);
  const unknown = entries.map(([d]) => d).filter((d) => !isGroupDimension(d));
  if (unknown.length > 0) return { ok: false, message: `unknown dimension ${unknown.join(', ')}; use any of ${GROUP_DIMENSIONS.join(',')}` };
  const key: GroupKey = {};
  for (const [d, v] of entries) {
    if (v !== null && typeof v !== 'string') return { ok: false, message: `the group's ${d} is a string or null, not ${JSON.stringify(v).slice(0, 100)}` };
    key[d as GroupDimension] = v;
  }
  return { ok: true, key, dimensions: entries.map(([d]) => d as GroupDimension) };
}

/** The channel a conversation is counted under: the one it started on. */
export const channelOf = (c: Conversation) => c.channels[0] ?? null;

/** The agent of record: whoever holds it, else the human agent who last wrote in it. */
export const agentOf = (c: Conversation) => c.assignee ?? c.metrics.lastAgent ?? null;

/** Calendar keys are UTC and follow the conversation's opening. */
export function groupKeyOf(c: Conversation, dimensions: readonly GroupDimension[]): GroupKey {
  const key: GroupKey = {};
  for (const d of dimensions) key[d] = valueOf(c, d);
  return key;
}

function valueOf(c: Conversation, d: GroupDimension): string | null {
  switch (d) {
    case 'tenant':
      return c.tenant;
    case 'channel':
      return channelOf(c);
    case 'team':
      return c.team;
    case 'agent':
      return agentOf(c);
    case 'category':
      return c.category;
    case 'day':
      return iso(c.openedAt).slice(0, 10);
    case 'week':
      return isoWeek(c.openedAt);
    case 'month':
      return iso(c.openedAt).slice(0, 7);
  }
}

/** Each day's week, computed once: a report asks several times per conversation. */
const weekOfDay = new Map<number, string>();

/** ISO 8601 week of a UTC instant, as `2026-W02` (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(epochMs: number): string {
  const day = Math.floor(epochMs / DAY_MS);
  let week = weekOfDay.get(day);
  if (week === undefined) {
    if (weekOfDay.size >= 4096) weekOfDay.clear();
    weekOfDay.set(day, (week = weekOfDayNumber(day)));
  }
  return week;
}

function weekOfDayNumber(day: number): string {
  const weekday = (((day + 3) % 7) + 7) % 7; // 0 = Monday (1970-01-01 was a Thursday)
  const thursday = new Date((day - weekday + 3) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** UTC day number of an instant, and its date. */
export const dayIndex = (epochMs: number) => Math.floor(epochMs / DAY_MS);
export const dayLabel = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** The first end-of-day instant (midnight UTC) at or after `epochMs`, as its day number: a spell open then counts in that day's backlog. */
export const backlogDayOf = (epochMs: number) => Math.ceil(epochMs / DAY_MS) - 1;

/**
 * A key's identity for maps: each value length-prefixed (so no two keys share it, whatever their
 * values hold), cheap enough to build for every conversation. Reports order groups by `keyText`.
 */
export function groupId(key: GroupKey, dimensions: readonly GroupDimension[]): string {
  let id = '';
  for (const d of dimensions) {
    const v = key[d];
    id += v === null || v === undefined ? '-|' : `${v.length}:${v}|`;
  }
  return id;
}

/** A stable text form of a key, for ordering. */
export const keyText = (key: GroupKey, dimensions: readonly GroupDimension[]) => JSON.stringify(dimensions.map((d) => key[d] ?? null));
