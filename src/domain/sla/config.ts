/**
 * A tenant's SLA settings as written in configuration (YAML in, validated by zod at start-up):
 * business calendars by id, the SLA policy and the escalation ladder.
 *
 *   calendars:
 *     berlin-office:
 *       kind: business-hours
 *       timeZone: Europe/Berlin
 *       hours: { mon: ['09:00-12:00', '13:00-18:00'], tue: […], … }   # a day not listed is closed
 *       holidays: ['2026-04-03', '2026-04-06']                          # local dates, closed all day
 *   policy: { calendar: berlin-office, warnShare: 0.8, targets: { firstResponse: { email: { normal: 8h } } } }
 *   escalation: [{ tier: tier1, team: null }, { tier: tier2, team: tier2 }, …]
 *
 * The calendar `24/7` always exists and is the policy's default.
 */
import { z } from 'zod';
import { ALWAYS_OPEN, WEEKDAYS, type BusinessCalendar, type OpeningInterval, type Weekday } from './calendar.ts';
import { defaultEscalationLadder, escalationLadderSchema } from './escalation.ts';
import { slaPolicySchema } from './policy.ts';
import { isValidTimeZone } from './zone.ts';

/** The id of the built-in always-open calendar. */
export const ALWAYS_OPEN_ID = '24/7';

const TIME = '(?:[01]\\d|2[0-3]):[0-5]\\d';
const INTERVAL = new RegExp(`^(${TIME})-(${TIME}|24:00)$`);

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** `09:00-12:00`, in the calendar's zone; `24:00` ends a day. */
export const openingIntervalSchema = z
  .string()
  .regex(INTERVAL, 'opening hours as HH:MM-HH:MM, such as 09:00-12:00 (24:00 may end a day)')
  .transform((text, ctx): OpeningInterval => {
    const [, from, to] = INTERVAL.exec(text)!;
    const interval = { from: minutes(from!), to: minutes(to!) };
    if (interval.to <= interval.from) ctx.addIssue({ code: 'custom', message: `${text} closes before it opens (a night shift is two intervals: 22:00-24:00 and 00:00-06:00 the next day)` });
    return interval;
  });

const dayHoursSchema = z
  .array(openingIntervalSchema)
  .max(12)
  .transform((intervals) => [...intervals].sort((a, b) => a.from - b.from))
  .superRefine((intervals, ctx) => {
    for (let i = 1; i < intervals.length; i++) {
      if (intervals[i]!.from < intervals[i - 1]!.to) ctx.addIssue({ code: 'custom', message: 'opening intervals of a day overlap' });
    }
  });

const localDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a local date as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a date on the calendar');

const timeZoneSchema = z.string().min(1).refine(isValidTimeZone, 'an IANA time zone such as Europe/Berlin, America/New_York or Asia/Shanghai');

const alwaysOpenSchema = z.strictObject({ kind: z.literal('always') });

const businessHoursSchema = z
  .strictObject({
    kind: z.literal('business-hours'),
    timeZone: timeZoneSchema,
    hours: z.strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, dayHoursSchema.optional()])) as Record<Weekday, z.ZodOptional<typeof dayHoursSchema>>),
    holidays: z.array(localDateSchema).max(10_000).default([]),
  })
  .superRefine((c, ctx) => {
    if (!WEEKDAYS.some((d) => (c.hours[d]?.length ?? 0) > 0)) ctx.addIssue({ code: 'custom', path: ['hours'], message: 'a calendar needs opening hours on at least one weekday' });
  })
  .transform(
    (c): BusinessCalendar => ({
      kind: 'business-hours',
      timeZone: c.timeZone,
      week: Object.fromEntries(WEEKDAYS.map((d) => [d, c.hours[d] ?? []])) as Record<Weekday, OpeningInterval[]>,
      holidays: [...new Set(c.holidays)].sort(),
    }),
  );

export const calendarSchema = z.discriminatedUnion('kind', [alwaysOpenSchema, businessHoursSchema]);
export type CalendarInput = z.input<typeof calendarSchema>;

const calendarIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, 'a calendar id such as berlin-office');

export const slaSettingsSchema = z
  .strictObject({
    calendars: z.record(calendarIdSchema, calendarSchema).default({}),
    policy: slaPolicySchema.prefault({}),
    escalation: escalationLadderSchema.default(defaultEscalationLadder),
  })
  .superRefine((s, ctx) => {
    if (s.policy.calendar !== ALWAYS_OPEN_ID && !(s.policy.calendar in s.calendars)) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy', 'calendar'],
        message: `calendar ${s.policy.calendar} is not defined (defined: ${[ALWAYS_OPEN_ID, ...Object.keys(s.calendars)].join(', ')})`,
      });
    }
  });

export type SlaSettingsInput = z.input<typeof slaSettingsSchema>;
export type SlaSettings = z.output<typeof slaSettingsSchema>;

export const defaultSlaSettings: SlaSettings = slaSettingsSchema.parse({});

/** The calendar the policy counts on (validation guarantees it exists). */
export function policyCalendar(settings: SlaSettings): BusinessCalendar {
  const id = settings.policy.calendar;
  if (id === ALWAYS_OPEN_ID && !(id in settings.calendars)) return ALWAYS_OPEN;
  const calendar = settings.calendars[id];
  if (!calendar) throw new Error(`SLA settings name calendar ${id} but do not define it (they were not validated)`);
  return calendar;
}
