/**
 * Instants and wall-clock time in an IANA time zone, through Intl.DateTimeFormat alone (no library:
 * the tz database that ships with the runtime is the one source of offsets).
 *
 * Local calendar days are numbered like epoch days: day n is the local date whose midnight, read as
 * if it were UTC, is n × 24 h after 1970-01-01. A wall-clock time is "wall ms": the local date and
 * time read as UTC. `offset = wall ms − instant ms` (+1 h for Berlin in winter).
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Formatters are costly to build and immutable once built: one per zone for the process. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      // h23, not hour12: false: the latter prints midnight as "24" on some ICU versions.
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows this IANA zone (`Europe/Berlin`, `UTC`, `Etc/GMT-8`). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's UTC offset at an instant, in milliseconds (whole seconds: sub-second offsets do not exist). */
export function offsetAt(instantMs: number, timeZone: string): number {
  const seconds = Math.floor(instantMs / 1000) * 1000;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of formatter(timeZone).formatToParts(seconds)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value) % 24;
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bc = part.value === 'BC' || part.value === 'B';
        break;
      default:
        break;
    }
  }
  const wall = Date.UTC(bc ? 1 - year : year, month - 1, day, hour, minute, second);
  return wall - seconds;
}

/** The wall-clock time at an instant, as wall ms. */
export function wallAt(instantMs: number, timeZone: string): number {
  return instantMs + offsetAt(instantMs, timeZone);
}

/** The local day (epoch-day number) an instant falls on. */
export function localDayAt(instantMs: number, timeZone: string): number {
  return Math.floor(wallAt(instantMs, timeZone) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday, as Date#getUTCDay. */
export function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The local date of a day as `YYYY-MM-DD` (how holidays are written). */
export function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The first instant at which the zone's clocks show this wall time or later. A wall time that
 * happens twice (clocks turned back) is its earlier occurrence; one that never happens (clocks
 * turned forward) is the moment of the jump: on the night Berlin skips 02:00–03:00, 02:30 is 03:00
 * CEST, because that is when an office opening "at 02:30" is open. (Temporal's `compatible` would
 * say 03:30; opening hours want the clamp.)
 */
export function instantAtWall(wallMs: number, timeZone: string): number {
  const before = offsetAt(wallMs - DAY_MS, timeZone);
  const after = offsetAt(wallMs + DAY_MS, timeZone);
  let earliest: number | null = null;
  for (const offset of new Set([before, after, offsetAt(wallMs - before, timeZone)])) {
    const candidate = wallMs - offset;
    if (offsetAt(candidate, timeZone) === offset && (earliest === null || candidate < earliest)) earliest = candidate;
  }
  if (earliest !== null) return earliest;
  // In a gap: the jump lies between the wall time read with the later offset (still before it)
  // and read with the earlier one (already after it). Transitions fall on whole seconds.
  let lo = Math.floor((wallMs - after) / 1000) * 1000;
  let hi = Math.ceil((wallMs - before) / 1000) * 1000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === offsetAt(lo, timeZone)) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The instant of `minuteOfDay` (0 … 1440; 1440 is the next midnight) on a local day. */
export function instantAtLocal(day: number, minuteOfDay: number, timeZone: string): number {
  return instantAtWall(day * DAY_MS + minuteOfDay * MINUTE_MS, timeZone);
}
