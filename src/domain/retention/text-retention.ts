/**
 * When a month of a customer's message text may go: the tenant keeps text for a while after each
 * conversation is resolved (its retention), so a month's text key is destroyed only once the month
 * itself ended that long ago and every conversation of the customer that was active during it is
 * resolved and has been for that long. A conversation still open, or resolved lately, keeps every
 * month it touched. Pure: the sweep gives the time it runs at.
 */
import { ms } from '../time.ts';
import type { Conversation } from '../state.ts';

/** One month's text key of a customer. */
export interface TextPeriodKey {
  /** `YYYY-MM`, UTC. */
  period: string;
  keyId: string;
  /** When the key was made (epoch ms). */
  madeAt: number;
}

export type PeriodVerdict =
  | { expire: true; period: string; keyId: string }
  | { expire: false; period: string; keyId: string; until: 'month' | 'made' | 'open' | 'resolved'; conversationId?: string };

export interface RetentionRule {
  /** How long text is kept after its conversation is resolved (ms). */
  retentionMs: number;
  /** A key younger than this is left for the next sweep: the fold may not have folded its events yet. */
  graceMs: number;
  /** When the sweep runs (epoch ms). */
  now: number;
}

/** The UTC month `YYYY-MM` as [start, end) in epoch ms. */
export function periodBounds(period: string): { start: number; end: number } {
  const match = /^(\d{4})-(\d{2})$/.exec(period);
  if (!match) throw new Error(`a text period is YYYY-MM, not ${JSON.stringify(period)}`);
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
}

/**
 * For each of a customer's text keys, whether it may be destroyed now. `conversations` are every
 * conversation of the person (the customer and those merged with it): their texts may have been
 * sealed under either's keys.
 */
export function textPeriodVerdicts(keys: readonly TextPeriodKey[], conversations: readonly Conversation[], rule: RetentionRule): PeriodVerdict[] {
  return keys.map(({ period, keyId, madeAt }) => {
    const { start, end } = periodBounds(period);
    if (end + rule.retentionMs > rule.now) return { expire: false, period, keyId, until: 'month' };
    if (madeAt + rule.graceMs > rule.now) return { expire: false, period, keyId, until: 'made' };
    for (const c of conversations) {
      const active = ms(c.openedAt) < end && ms(c.lastActivityAt) >= start;
      if (!active) continue;
      if (c.status !== 'resolved' || c.resolvedAt === null) return { expire: false, period, keyId, until: 'open', conversationId: c.id };
      if (ms(c.resolvedAt) + rule.retentionMs > rule.now) return { expire: false, period, keyId, until: 'resolved', conversationId: c.id };
    }
    return { expire: true, period, keyId };
  });
}
