export {
  ALWAYS_OPEN,
  WEEKDAYS,
  addBusinessTime,
  businessTimeBetween,
  isWithinBusinessHours,
  type AlwaysOpenCalendar,
  type BusinessCalendar,
  type BusinessHoursCalendar,
  type OpeningInterval,
  type Weekday,
} from './calendar.ts';
export {
  ALWAYS_OPEN_ID,
  calendarSchema,
  defaultSlaSettings,
  openingIntervalSchema,
  policyCalendar,
  slaSettingsSchema,
  type CalendarInput,
  type SlaSettings,
  type SlaSettingsInput,
} from './config.ts';
export { DAY_MS, HOUR_MS, MINUTE_MS, delaySchema, durationSchema } from '../duration.ts';
export {
  currentRung,
  decideEscalation,
  defaultEscalationLadder,
  escalationLadderSchema,
  escalationRungSchema,
  raisePriority,
  type EscalationDecision,
  type EscalationLadder,
  type EscalationLadderInput,
  type EscalationRung,
} from './escalation.ts';
export {
  DEFAULT_SLA_TARGETS,
  SLA_METRICS,
  defaultSlaPolicy,
  slaClockOf,
  slaDeadlines,
  slaPolicySchema,
  slaTarget,
  type MetricTargets,
  type SlaClock,
  type SlaMetric,
  type SlaPolicy,
  type SlaPolicyInput,
  type SlaSchedule,
} from './policy.ts';
export { deadlineOf, inactivityCheck, slaTimers, timerCheck, type InactivityOutcome, type SlaTimer, type SlaTimerKind, type TimerOutcome } from './timers.ts';
export { instantAtWall, isValidTimeZone, localDayAt, offsetAt } from './zone.ts';
