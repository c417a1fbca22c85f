import { describe, expect, it } from 'vitest';
import { customer, HOUR, MINUTE, replayed } from './given.ts';

describe('first response time', () => {
  it('is the first human agent message after the first customer message', () => {
    const ann = customer('ann');
    const report = replayed([ann.writes(0, 'a1'), ann.agentReplies(5 * MINUTE), ann.agentReplies(9 * MINUTE)]);
    expect(report.total.firstResponseSeconds).toEqual({ count: 1, mean: 300, median: 300, p90: 300 });
  });

  it('does not count bot replies or system messages (peers count the bot as a response)', () => {
    const ann = customer('ann');
    const report = replayed([ann.writes(0, 'a1'), ann.botReplies(10_000), ann.systemWrites(20_000), ann.agentReplies(7 * MINUTE)]);
    expect(report.total.firstResponseSeconds).toEqual({ count: 1, mean: 420, median: 420, p90: 420 });
  });

  it('a conversation only bots answered has no first response', () => {
    const ann = customer('ann');
    const report = replayed([ann.writes(0, 'a1'), ann.botReplies(10_000)]);
    expect(report.total.firstResponseSeconds).toEqual({ count: 0, mean: null, median: null, p90: null });
    expect(report.total.conversations).toBe(1);
  });

  it('is not restarted by a reopen (peers measure from the reopen and inflate it)', () => {
    const ann = customer('ann');
    const report = replayed([
      ann.writes(0, 'a1'),
      ann.agentReplies(10 * MINUTE),
      ann.resolved('cv_a1', 20 * MINUTE),
      ann.reopened('cv_a1', 2 * HOUR),
      ann.writes(2 * HOUR + MINUTE),
      ann.agentReplies(5 * HOUR),
    ]);
    expect(report.total.firstResponseSeconds).toEqual({ count: 1, mean: 600, median: 600, p90: 600 });
    expect(report.total.conversations).toBe(1);
    expect(report.total.reopenRate).toEqual({ reopened: 1, resolved: 1, rate: 1 });
    // The wait after the reopen is a next response, measured from the reopen.
    expect(report.total.nextResponseSeconds).toEqual({ count: 1, mean: 3 * 3600, median: 3 * 3600, p90: 3 * 3600 });
  });

  it('uses nearest-rank percentiles: of 10 values the median is the 5th, p90 the 9th', () => {
    const events = Array.from({ length: 10 }, (_, i) => {
      const c = customer(`c${i}`);
      return [c.writes(0, `o${i}`), c.agentReplies((i + 1) * MINUTE)];
    }).flat();
    const report = replayed(events);
    expect(report.total.firstResponseSeconds).toEqual({ count: 10, mean: 330, median: 300, p90: 540 });
  });

  it('agent-initiated conversations count as conversations but have no first response', () => {
    const bob = customer('bob');
    const report = replayed([bob.agentReplies(0), bob.writes(5 * MINUTE), bob.agentReplies(8 * MINUTE)]);
    expect(report.total).toMatchObject({ conversations: 1, customerInitiated: 0, agentInitiated: 1 });
    expect(report.total.firstResponseSeconds.count).toBe(0);
    expect(report.total.nextResponseSeconds).toEqual({ count: 1, mean: 180, median: 180, p90: 180 });
  });
});
