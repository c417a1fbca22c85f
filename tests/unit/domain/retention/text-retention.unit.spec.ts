import { describe, expect, it } from 'vitest';
import { periodBounds, textPeriodVerdicts, type RetentionRule } from '../../../../src/domain/retention/text-retention.ts';
import type { Conversation } from '../../../../src/domain/state.ts';

const DAY = 86_400_000;
const t = (iso: string) => Date.parse(iso);
/** Text is kept 30 days after resolution; the sweep runs on 1 June 2025; keys made long ago. */
const rule: RetentionRule = { retentionMs: 30 * DAY, graceMs: 10 * 60_000, now: t('2025-06-01T00:00:00Z') };
const key = (period: string, madeAt = t('2025-01-01T00:00:00Z')) => ({ period, keyId: `dk_${period}`, madeAt });
const conversation = (id: string, openedAt: string, lastActivityAt: string, resolvedAt: string | null): Conversation =>
  ({ id, openedAt, lastActivityAt, resolvedAt, status: resolvedAt === null ? 'open' : 'resolved' }) as Conversation;

describe('a month of message text under retention', () => {
  it('spans its UTC month, December into January included', () => {
    expect(periodBounds('2024-12')).toEqual({ start: t('2024-12-01T00:00:00Z'), end: t('2025-01-01T00:00:00Z') });
    expect(() => periodBounds('2024-13-01')).toThrow(/YYYY-MM/);
  });

  it('given every conversation of the month resolved more than the retention ago, then the month expires', () => {
    const verdicts = textPeriodVerdicts([key('2025-03')], [conversation('c1', '2025-03-02T10:00:00Z', '2025-03-03T10:00:00Z', '2025-03-04T10:00:00Z')], rule);
    expect(verdicts).toEqual([{ expire: true, period: '2025-03', keyId: 'dk_2025-03' }]);
  });

  it('given a conversation of the month still open, then the month is kept, however old', () => {
    const verdicts = textPeriodVerdicts([key('2025-01')], [conversation('c1', '2025-01-30T10:00:00Z', '2025-05-30T10:00:00Z', null)], rule);
    expect(verdicts[0]).toMatchObject({ expire: false, until: 'open', conversationId: 'c1' });
  });

  it('given a conversation opened in one month and resolved lately, then every month it was active in is kept, and a month before it expires', () => {
    const spanning = conversation('c2', '2025-02-20T10:00:00Z', '2025-05-10T10:00:00Z', '2025-05-10T10:00:00Z');
    const verdicts = textPeriodVerdicts([key('2025-01'), key('2025-02'), key('2025-03')], [spanning], rule);
    expect(verdicts.map((v) => (v.expire ? 'expire' : v.until))).toEqual(['expire', 'resolved', 'resolved']);
  });

  it('given the month ended less than the retention ago, then it is kept even with no conversation (an automated reply, a referral)', () => {
    expect(textPeriodVerdicts([key('2025-05')], [], rule)[0]).toMatchObject({ expire: false, until: 'month' });
    expect(textPeriodVerdicts([key('2025-04')], [], rule)[0]).toMatchObject({ expire: true });
  });

  it('given a key made moments ago for an old month (a late event the fold may not have folded), then it waits for the next sweep', () => {
    expect(textPeriodVerdicts([key('2025-01', rule.now - 60_000)], [], rule)[0]).toMatchObject({ expire: false, until: 'made' });
  });
});
