import type { BusinessCalendar } from '../sla/calendar.ts';
import type { SlaPolicy } from '../sla/policy.ts';

/** The tenant settings the fold needs: they shape segmentation and deadlines, so live and replay must share them. */
export interface FoldPolicy {
  /** An open conversation with no message from either side for this long is resolved (default 24 h). */
  autoResolveAfterMs: number;
  /**
   * SLA targets and the business calendar they count on: the fold computes a conversation's
   * deadlines when it folds the event that starts, pauses or stops a clock (no polling). Null: no SLA.
   */
  sla: { policy: SlaPolicy; calendar: BusinessCalendar } | null;
  /** A digit reply to a survey invitation counts as its answer for this long after the invitation. */
  surveyReplyWindowMs: number;
}

/**
 * How many of a customer's latest event ids are remembered to drop duplicates. The adapters drop a
 * provider's retry at the door; this window is the backstop for a publisher that re-sends (say,
 * after a lost acknowledgement), which happens within moments, not after 64 further events.
 */
export const DEDUPE_WINDOW = 64;
/** Conversations kept inside the customer's fold state besides the open one: the latest few. */
export const HOT_CONVERSATIONS = 3;

export const defaultFoldPolicy: FoldPolicy = { autoResolveAfterMs: 24 * 60 * 60 * 1000, sla: null, surveyReplyWindowMs: 7 * 24 * 60 * 60 * 1000 };

/** Per-tenant policy lookup; tenants without settings get the defaults. */
export type FoldPolicies = (tenant: string) => FoldPolicy;
