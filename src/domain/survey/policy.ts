/**
 * The survey policy: whether a resolution gets a survey invitation, which one, on which channel and
 * when. The fold asks for a `survey` job on every resolution; the job calls `decideSurvey` and, on
 * `send`, waits until `at` (asking again then: the customer may have written back meanwhile) and
 * publishes survey.sent.
 *
 * One invitation per resolution at most, so nobody gets two at once:
 * - NPS (0–10, about the relationship) when its cadence allows (default every 90 days) and the
 *   customer has known us long enough (30 days); it is rare, so it goes first when due;
 * - otherwise CSAT (1–5, about this conversation): at most one per conversation, even across
 *   reopens, and at most one per customer per 7 days.
 * On the channel the customer last wrote on. None for inactivity and system resolutions by default,
 * none once the conversation is open again or the customer is already writing in a new one.
 *
 * Pure: times come in as data.
 */
import { iso, ms } from '../time.ts';
import type { Channel, Conversation, Customer, SurveyRecord } from '../state.ts';
import type { SurveySettings } from './config.ts';

export type SurveyKind = SurveyRecord['kind'];

/** The data of survey.sent. */
export interface SurveyInvitation {
  kind: SurveyKind;
  channel: Channel;
  surveyId: string;
}

export type SurveySkipReason =
  /** The conversation is open again: its next resolution asks again. */
  | 'reopened'
  /** It was resolved again since; that resolution has its own job. */
  | 'superseded'
  /** The customer was merged into another; the survivor's timeline is where surveys go. */
  | 'customer-merged'
  /**
   * The customer wrote again before the invitation went out (a new conversation is open): asking how
   * the last one went, mid-conversation, would annoy; the open one's resolution decides afresh.
   */
  | 'customer-wrote-again'
  /** Resolved in a way that gets no survey (settings.skipWhenResolvedBy: inactivity, system). */
  | 'resolution-not-surveyed'
  /** The customer never wrote in this conversation: there is nowhere we know they read. */
  | 'no-reply-channel'
  | 'channel-not-surveyed'
  /** CSAT is off and NPS is off. */
  | 'disabled'
  /** CSAT is off and NPS is not due. */
  | 'not-due'
  /** This conversation already had its CSAT invitation. */
  | 'already-surveyed'
  /** The customer had a CSAT invitation within the throttle window. */
  | 'throttled';

export type SurveyDecision =
  /** Send at `at` (resolution + delay); when `at` is not after now, right away. */
  | { kind: 'send'; survey: SurveyInvitation; at: string }
  | { kind: 'skip'; reason: SurveySkipReason };

export function decideSurvey(conversation: Conversation, customer: Customer, resolvedAt: string, now: string, settings: SurveySettings): SurveyDecision {
  const skip = (reason: SurveySkipReason): SurveyDecision => ({ kind: 'skip', reason });
  if (conversation.status !== 'resolved') return skip('reopened');
  if (conversation.resolvedAt === null || ms(conversation.resolvedAt) !== ms(resolvedAt)) return skip('superseded');
  if (customer.mergedInto !== null) return skip('customer-merged');
  if (customer.openConversationId !== null && customer.openConversationId !== conversation.id) return skip('customer-wrote-again');
  if (conversation.resolution && settings.skipWhenResolvedBy.includes(conversation.resolution.by)) return skip('resolution-not-surveyed');
  const channel = conversation.replyTo?.channel ?? null;
  if (channel === null) return skip('no-reply-channel');
  if (!settings.channels.includes(channel)) return skip('channel-not-surveyed');

  const send = (kind: SurveyKind, at: number): SurveyDecision => ({
    kind: 'send',
    survey: { kind, channel, surveyId: surveyIdFor(conversation.id, conversation.reopenCount, kind) },
    at: iso(at),
  });
  const asked = (kind: SurveyKind) => conversation.surveys.some((s) => s.kind === kind);
  /** Windows are judged when the invitation goes out: at `at`, or now if that is later. */
  const goesOutAt = (at: number) => Math.max(at, ms(now));
  /** True when `window` has passed since `since` (exactly `window` counts as passed). */
  const elapsed = (since: string | null, window: number, at: number) => since === null || goesOutAt(at) - ms(since) >= window;

  const nps = settings.nps;
  const npsAt = ms(resolvedAt) + nps.delay;
  if (nps.enabled && !asked('nps') && elapsed(customer.lastSurveyAt.nps, nps.cadence, npsAt) && elapsed(customer.firstSeenAt, nps.minCustomerAge, npsAt)) {
    return send('nps', npsAt);
  }

  const csat = settings.csat;
  if (!csat.enabled) return skip(nps.enabled ? 'not-due' : 'disabled');
  if (asked('csat')) return skip('already-surveyed');
  const csatAt = ms(resolvedAt) + (csat.delayByChannel[channel] ?? csat.delay);
  if (!elapsed(customer.lastSurveyAt.csat, csat.throttle, csatAt)) return skip('throttled');
  return send('csat', csatAt);
}

/** survey.sent carries ids of at most 256 characters. */
const MAX_SURVEY_ID = 256;

/**
 * The survey id: one per conversation, resolution (reopen count) and kind, so a retried job
 * publishes the same survey and the fold keeps one. A very long conversation id is replaced by
 * its 64-bit FNV-1a hash to stay within the id limit.
 */
export function surveyIdFor(conversationId: string, reopenCount: number, kind: SurveyKind): string {
  const id = `sv_${kind}_${reopenCount}_${conversationId}`;
  return id.length <= MAX_SURVEY_ID ? id : `sv_${kind}_${reopenCount}_h${fnv1a64(conversationId)}`;
}

function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}
