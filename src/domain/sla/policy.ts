/**
 * SLA policy: how long we may take, per metric, channel and priority, counted in business time on
 * the policy's calendar, and when to warn (a share of the target). `slaDeadlines` turns a
 * conversation's clock into the deadlines in force; the workflow schedules timers at them (see
 * timers.ts) and writes them to the projection's `sla` field.
 *
 * The three metrics, after Zendesk's SLA metrics:
 * - firstResponse: from the customer's first message to the first human agent reply. Never paused.
 * - nextResponse: from the oldest customer message we have not answered to the next agent reply.
 * - resolution: from opening to resolution, counting only business time while the conversation is
 *   open: the clock stands still while it is pending on the customer (and while it was resolved,
 *   before a reopen).
 */
import { z } from 'zod';
import { prioritySchema, slaMetricSchema } from '../../../events/types/common.ts';
import { channelSchema } from '../../../events/types/message.ts';
import type { Channel, Conversation, Priority } from '../state.ts';
import { addBusinessMs, type BusinessCalendar } from './calendar.ts';
import { iso, ms } from '../time.ts';
import { durationSchema } from '../duration.ts';
import { conversationChannel } from '../conversation-channel.ts';

export type SlaMetric = z.output<typeof slaMetricSchema>;
export const SLA_METRICS = slaMetricSchema.options;

const CHANNELS = channelSchema.options;
const PRIORITIES = prioritySchema.options;

/** A target per priority; null: no target (the metric is not measured for that priority). */
type PriorityTargets = Record<Priority, number | null>;
/** Targets of one metric, per channel and priority, in business milliseconds. */
export type MetricTargets = Record<Channel, PriorityTargets>;

const M = 60_000;
const H = 60 * M;
const D = 24 * H;

/**
 * Defaults, in business time. With the default 24/7 calendar that is elapsed time: chat 15 min to
 * a first answer, e-mail a day. Live channels (chat, then SMS, then social) are held to minutes;
 * e-mail to hours. Each step up in priority roughly halves the target.
 */
export const DEFAULT_SLA_TARGETS: Record<SlaMetric, MetricTargets> = {
  firstResponse: {
    chat: { urgent: 5 * M, high: 10 * M, normal: 15 * M, low: 30 * M },
    sms: { urgent: 15 * M, high: 30 * M, normal: 1 * H, low: 2 * H },
    social: { urgent: 30 * M, high: 1 * H, normal: 2 * H, low: 4 * H },
    email: { urgent: 4 * H, high: 8 * H, normal: 24 * H, low: 48 * H },
  },
  nextResponse: {
    chat: { urgent: 5 * M, high: 10 * M, normal: 15 * M, low: 30 * M },
    sms: { urgent: 15 * M, high: 30 * M, normal: 1 * H, low: 2 * H },
    social: { urgent: 30 * M, high: 1 * H, normal: 2 * H, low: 4 * H },
    email: { urgent: 4 * H, high: 8 * H, normal: 24 * H, low: 48 * H },
  },
  resolution: {
    chat: { urgent: 4 * H, high: 8 * H, normal: 24 * H, low: 3 * D },
    sms: { urgent: 8 * H, high: 24 * H, normal: 2 * D, low: 5 * D },
    social: { urgent: 8 * H, high: 24 * H, normal: 2 * D, low: 5 * D },
    email: { urgent: 24 * H, high: 2 * D, normal: 3 * D, low: 7 * D },
  },
};

const targetSchema = durationSchema.nullable();
const priorityTargetsSchema = z.strictObject(Object.fromEntries(PRIORITIES.map((p) => [p, targetSchema.optional()])) as Record<Priority, z.ZodOptional<typeof targetSchema>>);
const metricTargetsSchema = z.strictObject(Object.fromEntries(CHANNELS.map((c) => [c, priorityTargetsSchema.optional()])) as Record<Channel, z.ZodOptional<typeof priorityTargetsSchema>>);

export const slaPolicySchema = z
  .strictObject({
    /** Id of the business calendar targets are counted on; `24/7` is always there. */
    calendar: z.string().min(1).max(64).default('24/7'),
    /** Warn when this share of a target has passed (0.8: at 12 of 15 minutes). */
    warnShare: z.number().gt(0).lt(1).default(0.8),
    /**
     * Only what differs from the defaults: `{ firstResponse: { email: { normal: '8h' } } }`. Durations
     * as `15m`, `24h`, `3d`; null switches a metric off for that channel and priority.
     */
    targets: z
      .strictObject({ firstResponse: metricTargetsSchema.optional(), nextResponse: metricTargetsSchema.optional(), resolution: metricTargetsSchema.optional() })
      .default({}),
  })
  .transform(({ calendar, warnShare, targets }) => ({
    calendar,
    warnShare,
    targets: Object.fromEntries(
      SLA_METRICS.map((metric) => [
        metric,
        Object.fromEntries(
          CHANNELS.map((channel) => [
            channel,
            Object.fromEntries(PRIORITIES.map((p) => [p, pick(targets[metric]?.[channel]?.[p], DEFAULT_SLA_TARGETS[metric][channel][p])])),
          ]),
        ),
      ]),
    ) as Record<SlaMetric, MetricTargets>,
  }));

/** `undefined` (not written) takes the default; `null` (written) means no target. */
const pick = (written: number | null | undefined, fallback: number | null) => (written === undefined ? fallback : written);

export type SlaPolicyInput = z.input<typeof slaPolicySchema>;
export type SlaPolicy = z.output<typeof slaPolicySchema>;

export const defaultSlaPolicy: SlaPolicy = slaPolicySchema.parse({});

/** The target of one metric for a channel and priority, in business ms; null when not measured. */
export function slaTarget(policy: SlaPolicy, metric: SlaMetric, channel: Channel, priority: Priority): number | null {
  return policy.targets[metric][channel][priority];
}

/** What the SLA clock needs to know about a conversation. */
export interface SlaClock {
  /** Whose targets apply: the channel the customer last wrote on (see `slaClockOf`). */
  channel: Channel;
  priority: Priority;
  /** The first-response and resolution clocks start here (the customer's first message). */
  openedAt: string;
  /**
   * Since when the customer has been waiting on us: their oldest unanswered message, or the reopen.
   * null while the conversation is pending on the customer (or resolved): every clock but the first
   * response's stands still then.
   */
  waitingSince: string | null;
  /**
   * Business time (ms, on the policy's calendar) the resolution clock stood still so far: the
   * completed spells pending on the customer, and resolved before a reopen. The current spell,
   * while pending, is not in it.
   */
  pausedMs: number;
  /** The first human agent reply; for a conversation we opened, its opening (nothing to respond to). */
  firstResponseAt: string | null;
}

/** The deadlines in force, shaped like the projection's `sla` field; null: not running (met, paused, or no target). */
export interface SlaSchedule {
  firstResponseDueAt: string | null;
  nextResponseDueAt: string | null;
  resolutionDueAt: string | null;
  /** When each running clock reaches the warning share of its target. */
  warnAt: Record<SlaMetric, string | null>;
}

/**
 * The deadlines in force for a conversation's clock.
 *
 * - firstResponse runs until the first agent reply, from `openedAt`, and is not paused;
 * - nextResponse runs after the first response, while the customer waits, from `waitingSince`;
 * - resolution runs while the customer waits: due when `target` of open business time has passed,
 *   that is `target + pausedMs` of business time after `openedAt`.
 *
 * A warning instant can lie in the past (a long pause, a priority raised late): the caller skips a
 * warning whose time has gone. Without `warnings`, the warning instants are left null: the fold
 * writes only the deadlines, on every change, and each instant is a walk over the calendar.
 */
export function slaDeadlines(clock: SlaClock, policy: SlaPolicy, calendar: BusinessCalendar, warnings = true): SlaSchedule {
  const toMs = (t: string | null) => (t === null ? null : ms(t));
  return scheduleText(
    slaDeadlinesMs({ ...clock, openedAt: ms(clock.openedAt), waitingSince: toMs(clock.waitingSince), firstResponseAt: toMs(clock.firstResponseAt) }, policy, calendar, warnings),
  );
}

/** `SlaClock` with times as epoch milliseconds, as the fold keeps them. */
export interface SlaClockMs extends Omit<SlaClock, 'openedAt' | 'waitingSince' | 'firstResponseAt'> {
  openedAt: number;
  waitingSince: number | null;
  firstResponseAt: number | null;
}

/** `SlaSchedule` in epoch milliseconds. */
export interface SlaScheduleMs {
  firstResponseDueAt: number | null;
  nextResponseDueAt: number | null;
  resolutionDueAt: number | null;
  warnAt: Record<SlaMetric, number | null>;
}

/** `slaDeadlines` on epoch milliseconds: the fold's form (no text parsed or written). */
export function slaDeadlinesMs(clock: SlaClockMs, policy: SlaPolicy, calendar: BusinessCalendar, warnings = true): SlaScheduleMs {
  const schedule: SlaScheduleMs = {
    firstResponseDueAt: null,
    nextResponseDueAt: null,
    resolutionDueAt: null,
    warnAt: { firstResponse: null, nextResponse: null, resolution: null },
  };
  if (clock.waitingSince === null) return schedule;
  const targets = policy.targets;
  const { channel, priority } = clock;

  if (clock.firstResponseAt === null) {
    const target = targets.firstResponse[channel][priority];
    if (target !== null) {
      schedule.firstResponseDueAt = addBusinessMs(clock.openedAt, target, calendar);
      if (warnings) schedule.warnAt.firstResponse = addBusinessMs(clock.openedAt, Math.round(target * policy.warnShare), calendar);
    }
  } else {
    const target = targets.nextResponse[channel][priority];
    if (target !== null) {
      schedule.nextResponseDueAt = addBusinessMs(clock.waitingSince, target, calendar);
      if (warnings) schedule.warnAt.nextResponse = addBusinessMs(clock.waitingSince, Math.round(target * policy.warnShare), calendar);
    }
  }
  const target = targets.resolution[channel][priority];
  if (target !== null) {
    schedule.resolutionDueAt = addBusinessMs(clock.openedAt, target + clock.pausedMs, calendar);
    if (warnings) schedule.warnAt.resolution = addBusinessMs(clock.openedAt, Math.round(target * policy.warnShare) + clock.pausedMs, calendar);
  }
  return schedule;
}

/** A schedule in epoch ms as RFC 3339 text. */
export function scheduleText(s: SlaScheduleMs): SlaSchedule {
  const text = (t: number | null) => (t === null ? null : iso(t));
  return {
    firstResponseDueAt: text(s.firstResponseDueAt),
    nextResponseDueAt: text(s.nextResponseDueAt),
    resolutionDueAt: text(s.resolutionDueAt),
    warnAt: { firstResponse: text(s.warnAt.firstResponse), nextResponse: text(s.warnAt.nextResponse), resolution: text(s.warnAt.resolution) },
  };
}

/**
 * The clock of a conversation as the projection holds it. The projection does not keep the waiting
 * spells, so the caller passes them: `waitingSince` from the fold's `sla` trigger, `pausedMs` from
 * the conversation's pending spells. A conversation that is not open waits on nobody.
 */
export function slaClockOf(conversation: Conversation, spells: { waitingSince: string | null; pausedMs: number }): SlaClock {
  return {
    // Targets follow the customer: a chat that moved to e-mail is held to e-mail's.
    channel: conversationChannel(conversation),
    priority: conversation.priority,
    openedAt: conversation.firstCustomerMessageAt ?? conversation.openedAt,
    waitingSince: conversation.status === 'open' ? spells.waitingSince : null,
    pausedMs: spells.pausedMs,
    // We wrote first: there is no first response to measure, the customer's answer starts a next-response clock.
    firstResponseAt: conversation.initiatedBy === 'agent' ? conversation.openedAt : conversation.firstResponseAt,
  };
}
