/**
 * Business calendars: when the support team counts time. SLA targets are business time, so a
 * 4-hour e-mail target set on Friday at 17:00 in Berlin is due on Monday morning, not Friday night.
 *
 * A calendar is either always open (24/7), or opening hours per weekday (several intervals a day,
 * so a lunch break is a gap between two), holidays (whole local dates closed), and the IANA time
 * zone the hours and dates are written in. Hours are wall-clock time: 09:00 stays 09:00 across a
 * daylight-saving change, so the day the clocks move forward an 00:00–24:00 day has 23 hours. An
 * opening or closing time the clocks skip counts from the jump; one they pass twice, from its first
 * occurrence (see `instantAtWall`).
 *
 * Pure: times are RFC 3339 strings in, RFC 3339 UTC strings out (or epoch ms, the `…Ms` forms the
 * fold uses); offsets come from the runtime's tz database through Intl (see zone.ts), looked up only
 * when a day's opening windows are first needed, then cached per calendar and day.
 */
import { dateOf, instantAtLocal, weekdayOf } from './zone.ts';
import { iso, ms } from '../time.ts';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Opening time within one local day, in minutes after midnight: from < to ≤ 1440 (24:00). */
export interface OpeningInterval {
  from: number;
  to: number;
}

export interface AlwaysOpenCalendar {
  kind: 'always';
}

export interface BusinessHoursCalendar {
  kind: 'business-hours';
  /** IANA zone the hours and holidays are written in (Europe/Berlin, America/New_York, Asia/Shanghai). */
  timeZone: string;
  /** Per weekday, sorted and disjoint; an empty list closes the day. At least one day has hours. */
  week: Record<Weekday, OpeningInterval[]>;
  /** Local dates (`YYYY-MM-DD`, in `timeZone`) closed all day. */
  holidays: string[];
}

export type BusinessCalendar = AlwaysOpenCalendar | BusinessHoursCalendar;

/** The 24/7 calendar: business time is elapsed time. */
export const ALWAYS_OPEN: AlwaysOpenCalendar = { kind: 'always' };

/**
 * The calendar's validation guarantees an open interval every week, so a search ends within days;
 * this bound (20 years of local days) only stops a corrupt calendar from looping forever.
 */
const MAX_DAYS = 20 * 366;

/**
 * The instant `durationMs` of business time after `start`: the earliest instant by which that much
 * business time has elapsed. A start outside hours counts from the next opening; time running out
 * exactly at closing gives the closing instant, not the next morning; a zero duration gives `start`.
 */
export function addBusinessTime(start: string, durationMs: number, calendar: BusinessCalendar): string {
  return iso(addBusinessMs(instant(start), durationMs, calendar));
}

/** `addBusinessTime` on epoch milliseconds, as the fold keeps times. */
export function addBusinessMs(from: number, durationMs: number, calendar: BusinessCalendar): number {
  if (!Number.isFinite(durationMs) || durationMs < 0) throw new RangeError(`a business duration is a finite number of ms ≥ 0, not ${durationMs}`);
  if (calendar.kind === 'always' || durationMs === 0) return from + durationMs;

  let remaining = durationMs;
  const firstDay = firstLocalDayAtOrBefore(from);
  for (let day = firstDay; day < firstDay + MAX_DAYS; day++) {
    for (const [open, close] of openWindows(day, calendar)) {
      if (close <= from) continue;
      const counted = Math.max(open, from);
      if (remaining <= close - counted) return counted + remaining;
      remaining -= close - counted;
    }
  }
  throw new Error(`calendar in ${calendar.timeZone} has no opening hours within ${MAX_DAYS} days of ${iso(from)}`);
}

/**
 * Business time from `a` to `b` in milliseconds; negative when `b` is before `a`, so
 * `businessTimeBetween(start, addBusinessTime(start, d, cal), cal) === d`.
 */
export function businessTimeBetween(a: string, b: string, calendar: BusinessCalendar): number {
  return businessMsBetween(instant(a), instant(b), calendar);
}

/** `businessTimeBetween` on epoch milliseconds. */
export function businessMsBetween(from: number, to: number, calendar: BusinessCalendar): number {
  if (to < from) return -businessMsBetween(to, from, calendar);
  if (calendar.kind === 'always') return to - from;

  let total = 0;
  const lastDay = lastLocalDayAtOrAfter(to);
  for (let day = firstLocalDayAtOrBefore(from); day <= lastDay; day++) {
    for (const [open, close] of openWindows(day, calendar)) {
      const overlap = Math.min(close, to) - Math.max(open, from);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}

/** True when the calendar is open at this instant (opening instant included, closing instant not). */
export function isWithinBusinessHours(at: string, calendar: BusinessCalendar): boolean {
  if (calendar.kind === 'always') return true;
  const t = instant(at);
  for (let day = firstLocalDayAtOrBefore(t); day <= lastLocalDayAtOrAfter(t); day++) {
    if (openWindows(day, calendar).some(([open, close]) => open <= t && t < close)) return true;
  }
  return false;
}

/**
 * Which local day an instant falls on needs the zone's offset (an Intl look-up, the costliest step
 * of a deadline). The walks above need no exact day: they only need to start on or before it and
 * end on or after it, because a day's windows are instants and the days' windows tile time (day n
 * ends where day n + 1 begins), so a window of a day too early or too late simply does not overlap.
 * Offsets lie within ±1 day of UTC, so the UTC day ± 1 brackets the local day in every zone.
 */
const firstLocalDayAtOrBefore = (t: number) => Math.floor(t / DAY_MS) - 1;
const lastLocalDayAtOrAfter = (t: number) => Math.floor(t / DAY_MS) + 1;
const DAY_MS = 86_400_000;

/**
 * Each window costs a few Intl look-ups, and a replay computes deadlines for the same days over and
 * over: the windows of a day are remembered per calendar object (a pure function's results, so a
 * cache changes nothing but speed). Bounded, so a long replay does not grow it without end.
 */
const windowCache = new WeakMap<BusinessHoursCalendar, Map<number, ReadonlyArray<readonly [number, number]>>>();
const WINDOW_CACHE_DAYS = 4096;

/** The open windows of one local day as [open, close) instants (ms), in order. */
function openWindows(day: number, calendar: BusinessHoursCalendar): ReadonlyArray<readonly [number, number]> {
  let days = windowCache.get(calendar);
  if (!days) windowCache.set(calendar, (days = new Map()));
  let windows = days.get(day);
  if (!windows) {
    if (days.size >= WINDOW_CACHE_DAYS) days.clear();
    windows = computeWindows(day, calendar);
    days.set(day, windows);
  }
  return windows;
}

function computeWindows(day: number, calendar: BusinessHoursCalendar): Array<[number, number]> {
  if (calendar.holidays.includes(dateOf(day))) return [];
  const intervals = calendar.week[WEEKDAYS[weekdayOf(day)]!];
  const windows: Array<[number, number]> = [];
  for (const { from, to } of intervals) {
    const open = instantAtLocal(day, from, calendar.timeZone);
    const close = instantAtLocal(day, to, calendar.timeZone);
    // Both ends inside a skipped hour (02:15–02:45 on the spring-forward night) meet at the jump: closed.
    if (close > open) windows.push([open, close]);
  }
  return windows;
}

function instant(time: string): number {
  const t = ms(time);
  if (Number.isNaN(t)) throw new RangeError(`not an RFC 3339 time: ${time}`);
  return t;
}

