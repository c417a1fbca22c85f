/** Calendars the SLA specs share, written as a tenant would write them in configuration. */
import { calendarSchema, type CalendarInput } from '../../../../src/domain/sla/config.ts';
import type { BusinessCalendar } from '../../../../src/domain/sla/calendar.ts';

export const calendar = (input: CalendarInput): BusinessCalendar => calendarSchema.parse(input);

const officeWeek = (hours: string[]) => ({ mon: hours, tue: hours, wed: hours, thu: hours, fri: hours });

/** Berlin office: weekdays 09:00–12:00 and 13:00–18:00 (lunch in between), Good Friday and Easter Monday 2026 off. */
export const berlinOffice = calendar({
  kind: 'business-hours',
  timeZone: 'Europe/Berlin',
  hours: officeWeek(['09:00-12:00', '13:00-18:00']),
  holidays: ['2026-04-03', '2026-04-06'],
});

/** New York office: weekdays 09:00–17:00. */
export const newYorkOffice = calendar({ kind: 'business-hours', timeZone: 'America/New_York', hours: officeWeek(['09:00-17:00']) });

/** Shanghai office: weekdays 09:00–18:00 (China keeps UTC+8 all year). */
export const shanghaiOffice = calendar({ kind: 'business-hours', timeZone: 'Asia/Shanghai', hours: officeWeek(['09:00-18:00']) });

/** Round the clock, every day, but on Berlin's wall clock (so a DST day is 23 or 25 hours long). */
const allDay = ['00:00-24:00'];
export const berlinAllDay = calendar({
  kind: 'business-hours',
  timeZone: 'Europe/Berlin',
  hours: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
});

export const alwaysOpen = calendar({ kind: 'always' });

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
