/**
 * The domain's two time conversions: an RFC 3339 text to epoch milliseconds and back to the one
 * format the fold writes (`2025-10-06T08:00:56.199Z`). They run several times per event (deadlines,
 * SLA clocks, KPI figures), and `Date.parse` / `toISOString` were a fifth of the fold's time, so the
 * common case is done by hand: the canonical format parsed digit by digit, and UTC formatting with
 * the date part of recent days cached. Anything else (offsets, no milliseconds, odd values) goes to
 * the platform, so results are always exactly those of `Date.parse` and `toISOString`.
 */

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: from here `toISOString` writes six-digit years. */
const YEAR_10000 = 253_402_300_800_000;

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** 'YYYY-MM-DDT' of each day seen lately; a day's prefix is computed once. */
const dayPrefixes = new Map<number, string>();
const MAX_CACHED_DAYS = 4096;

/** RFC 3339 in UTC with milliseconds: exactly `new Date(epochMs).toISOString()`. */
export function iso(epochMs: number): string {
  if (!(epochMs >= 0 && epochMs < YEAR_10000) || epochMs % 1 !== 0) return new Date(epochMs).toISOString();
  const day = Math.floor(epochMs / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= MAX_CACHED_DAYS) dayPrefixes.clear();
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  let rest = epochMs - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${prefix}${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${THREE[rest - seconds * 1000]}Z`;
}

const digit = (text: string, at: number) => text.charCodeAt(at) - 48;
const two = (text: string, at: number) => {
  const a = digit(text, at);
  const b = digit(text, at + 1);
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
};

/** Days from 1970-01-01 to a proleptic Gregorian date (month 1–12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The last two texts parsed: a fold step parses the same times several times over, and mostly two
 * at once (the event's, and the conversation's last activity it is compared with).
 */
let lastText = '';
let lastMs = Number.NaN;
let otherText = '';
let otherMs = Number.NaN;

/** Milliseconds since the epoch of an RFC 3339 time: exactly `Date.parse(time)`. */
export function ms(time: string): number {
  if (time === lastText) return lastMs;
  if (time === otherText) return otherMs;
  const parsed = parse(time);
  otherText = lastText;
  otherMs = lastMs;
  lastText = time;
  lastMs = parsed;
  return parsed;
}

function parse(time: string): number {
  // The canonical shape: YYYY-MM-DDTHH:MM:SS.mmmZ, 24 characters.
  if (time.length !== 24 || time.charCodeAt(23) !== 90 /* Z */ || time.charCodeAt(10) !== 84 /* T */) return Date.parse(time);
  if (time.charCodeAt(4) !== 45 || time.charCodeAt(7) !== 45 || time.charCodeAt(13) !== 58 || time.charCodeAt(16) !== 58 || time.charCodeAt(19) !== 46) return Date.parse(time);
  const century = two(time, 0);
  const yy = two(time, 2);
  const month = two(time, 5);
  const day = two(time, 8);
  const hours = two(time, 11);
  const minutes = two(time, 14);
  const seconds = two(time, 17);
  const hundreds = digit(time, 20);
  const rest = two(time, 21);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 59 || hundreds < 0 || hundreds > 9 || rest < 0) {
    return Date.parse(time);
  }
  const year = century * 100 + yy;
  if (day > (month === 2 && isLeap(year) ? 29 : MONTH_DAYS[month - 1]!)) return Date.parse(time);
  return daysFromCivil(year, month, day) * DAY_MS + hours * 3_600_000 + minutes * 60_000 + seconds * 1000 + hundreds * 100 + rest;
}
