import { describe, expect, it } from 'vitest';
import { customer, DAY, HOUR, MINUTE, replayed, slaPolicy } from './given.ts';

describe('handling, resolution and next response', () => {
  it('given assignment, two answers and a resolution, then each duration is hand-computable', () => {
    const ann = customer('ann');
    const report = replayed([
      ann.writes(0, 'a1'),
      ann.assigned('cv_a1', MINUTE),
      ann.agentReplies(5 * MINUTE),
      ann.writes(10 * MINUTE),
      ann.agentReplies(25 * MINUTE),
      ann.resolved('cv_a1', 30 * MINUTE),
    ]);
    const t = report.total;
    expect(t.firstResponseSeconds.mean).toBe(300);
    expect(t.nextResponseSeconds).toEqual({ count: 1, mean: 900, median: 900, p90: 900 });
    // From the assignment (1 min) to the resolution (30 min).
    expect(t.handlingSeconds).toEqual({ count: 1, mean: 1740, median: 1740, p90: 1740 });
    expect(t.resolutionSeconds).toEqual({ count: 1, mean: 1800, median: 1800, p90: 1800 });
    expect(t).toMatchObject({ resolved: 1, open: 0 });
  });

  it('handling time leaves out the spell a conversation stood resolved before its reopen', () => {
    const ann = customer('ann');
    const report = replayed([
      ann.writes(0, 'a1'),
      ann.agentReplies(10 * MINUTE), // handling starts: 10 min
      ann.resolved('cv_a1', 30 * MINUTE), // 20 min
      ann.reopened('cv_a1', 5 * HOUR), // resolved for 4.5 h: not handling
      ann.resolved('cv_a1', 5 * HOUR + 15 * MINUTE), // 15 min
    ]);
    expect(report.total.handlingSeconds.mean).toBe(35 * 60);
    // Resolution time runs to the last resolution; first resolution to the first.
    expect(report.total.resolutionSeconds.mean).toBe(5 * 3600 + 15 * 60);
    expect(report.total.firstResolutionSeconds.mean).toBe(30 * 60);
  });
});

describe('first-contact resolution', () => {
  const ann = customer('ann');
  const first = [ann.writes(0, 'a1'), ann.triaged('cv_a1', MINUTE, 'billing'), ann.agentReplies(5 * MINUTE), ann.resolved('cv_a1', HOUR)];

  it('given a new conversation in the same category within 7 days, then the first is not resolved at first contact', () => {
    const report = replayed([...first, ann.writes(3 * DAY, 'a2'), ann.triaged('cv_a2', 3 * DAY + MINUTE, 'billing'), ann.resolved('cv_a2', 3 * DAY + HOUR)]);
    expect(report.total.firstContactResolution).toEqual({ resolvedAtFirstContact: 1, resolved: 2, rate: 0.5 });
  });

  it('given the new conversation is about something else, then both count', () => {
    const report = replayed([...first, ann.writes(3 * DAY, 'a2'), ann.triaged('cv_a2', 3 * DAY + MINUTE, 'refund'), ann.resolved('cv_a2', 3 * DAY + HOUR)]);
    expect(report.total.firstContactResolution.rate).toBe(1);
  });

  it('given a shorter window, a repeat after it does not count against the first', () => {
    const events = [...first, ann.writes(3 * DAY, 'a2'), ann.triaged('cv_a2', 3 * DAY + MINUTE, 'billing'), ann.resolved('cv_a2', 3 * DAY + HOUR)];
    expect(replayed(events, { kpi: { fcrWindowMs: 2 * DAY } }).total.firstContactResolution.rate).toBe(1);
  });

  it('given a reopen, then it was not resolved at first contact', () => {
    const report = replayed([...first, ann.reopened('cv_a1', 2 * HOUR), ann.resolved('cv_a1', 3 * HOUR)]);
    expect(report.total.firstContactResolution).toEqual({ resolvedAtFirstContact: 0, resolved: 1, rate: 0 });
  });
});

describe('surveys', () => {
  it('CSAT is the share of 4–5 answers; the response rate is answers per invitation', () => {
    const events = [5, 4, 2, null].flatMap((score, i) => {
      const c = customer(`c${i}`);
      const cv = `cv_o${i}`;
      return [c.writes(0, `o${i}`), c.agentReplies(MINUTE), c.resolved(cv, 2 * MINUTE), c.surveySent(cv, 3 * MINUTE, `s${i}`), ...(score === null ? [] : [c.surveyAnswered(cv, 4 * MINUTE, `s${i}`, score)])];
    });
    expect(replayed(events).total.csat).toEqual({ sent: 4, answered: 3, satisfied: 2, score: 0.6667, responseRate: 0.75 });
  });

  it('NPS is promoters (9–10) minus detractors (0–6), in points', () => {
    const events = [10, 9, 7, 3].flatMap((score, i) => {
      const c = customer(`n${i}`);
      const cv = `cv_p${i}`;
      return [c.writes(0, `p${i}`), c.resolved(cv, MINUTE), c.surveySent(cv, 2 * MINUTE, `q${i}`, 'nps'), c.surveyAnswered(cv, 3 * MINUTE, `q${i}`, score, 'nps')];
    });
    expect(replayed(events).total.nps).toEqual({ sent: 4, answered: 4, promoters: 2, passives: 1, detractors: 1, score: 25, responseRate: 1 });
  });
});

describe('customers', () => {
  it('counts customers merged into one once (peers count both records)', () => {
    const ann = customer('ann', 'email');
    const annSms = customer('ann-sms', 'sms');
    const report = replayed([ann.writes(0, 'a1'), annSms.writes(HOUR, 'b1'), annSms.mergedInto('ann', 2 * HOUR), ann.absorbs('ann-sms', 2 * HOUR)]);
    expect(report.total).toMatchObject({ conversations: 2, customers: 1 });
  });
});

describe('SLA compliance', () => {
  it('first response: met within the target (chat, normal: 15 min), breached after', () => {
    const fast = customer('fast');
    const slow = customer('slow');
    const report = replayed([fast.writes(0, 'f1'), fast.agentReplies(10 * MINUTE), slow.writes(0, 's1'), slow.agentReplies(20 * MINUTE)], { policy: slaPolicy });
    expect(report.total.sla.firstResponse).toEqual({ met: 1, breached: 1, compliance: 0.5 });
  });

  it('resolution counts open time only: pending on the customer stands still', () => {
    const ann = customer('ann');
    // chat, normal: 24 h to resolve. Open 10 min, then pending 3 days, resolved: met.
    const report = replayed([ann.writes(0, 'a1'), ann.agentReplies(10 * MINUTE), ann.resolved('cv_a1', 20 * HOUR)], { policy: slaPolicy });
    expect(report.total.sla.resolution).toEqual({ met: 1, breached: 0, compliance: 1 });
  });

  it('without an SLA policy nothing is measured', () => {
    const ann = customer('ann');
    const report = replayed([ann.writes(0, 'a1'), ann.agentReplies(20 * MINUTE)]);
    expect(report.total.sla.firstResponse).toEqual({ met: 0, breached: 0, compliance: null });
  });
});

describe('backlog', () => {
  it('counts conversations open at the end of each UTC day', () => {
    const ann = customer('ann');
    const bob = customer('bob');
    // T0 is 09:00: ann resolves the same day, bob the next morning.
    const report = replayed([ann.writes(0, 'a1'), bob.writes(HOUR, 'b1'), ann.resolved('cv_a1', 2 * HOUR), bob.resolved('cv_b1', 20 * HOUR)]);
    expect(report.total.backlog).toEqual([
      { day: '2026-03-02', open: 1 },
      { day: '2026-03-03', open: 0 },
    ]);
  });

  it("follows the fold's segmentation: a conversation quiet for the auto-resolve window is resolved at its end", () => {
    const bob = customer('bob');
    // Quiet from 10:00 on day 1: resolved at 10:00 on day 2, whatever comes after.
    const report = replayed([bob.writes(HOUR, 'b1'), bob.resolved('cv_b1', 3 * DAY)]);
    expect(report.total.backlog).toEqual([
      { day: '2026-03-02', open: 1 },
      { day: '2026-03-03', open: 0 },
    ]);
    expect(report.total.resolutionSeconds.mean).toBe(24 * 3600);
  });
});
