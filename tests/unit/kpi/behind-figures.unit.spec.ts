import { describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { conversationsBehind, isKpiFigure, KPI_FIGURES, type KpiFigure, type KpiFigures } from '../../../src/domain/kpi/figures.ts';
import { parseGroupDimensions, parseGroupKey, type GroupDimension } from '../../../src/domain/kpi/groups.ts';
import { DEFAULT_FCR_WINDOW_MS, kpiReport } from '../../../src/domain/kpi/report.ts';
import type { Conversation, Customer } from '../../../src/domain/state.ts';
import { replayEvents } from '../../../src/replay/run.ts';
import { generateStream } from '../../../scripts/sim/stream.ts';
import { customer, DAY, HOUR, MINUTE, slaPolicy } from './given.ts';
import { customerView } from '../../../src/domain/fold/fold-state.ts';

type Pair = { conversation: Conversation; customer: Customer | null };

/**
 * The fixture: a seeded day and a half of two tenants' traffic (every channel, triage, agents, bots,
 * SLA breaches, CSAT), and by hand what it lacks: reopens, NPS of every kind, a repeat contact that
 * takes a first-contact resolution away, a conversation we opened, a merge. Folded as `cs replay`
 * folds, keeping each conversation with the customer record the report was given.
 */
function fixture(groupBy: GroupDimension[]) {
  const ann = customer('fx-ann');
  const bob = customer('fx-bob', 'email');
  const cat = customer('fx-cat', 'sms');
  const dan = customer('fx-dan');
  const eve = customer('fx-eve');
  const fay = customer('fx-fay');
  const byHand: AnyEvent[] = [
    // Reopened, with a late next response; a promoter and a satisfied CSAT.
    ann.writes(0, 'fa1'),
    ann.triaged('cv_fa1', MINUTE, 'billing'),
    ann.agentReplies(5 * MINUTE, 'agent-1'),
    ann.writes(10 * MINUTE),
    ann.agentReplies(HOUR, 'agent-1'),
    ann.resolved('cv_fa1', 2 * HOUR),
    ann.reopened('cv_fa1', 3 * HOUR),
    ann.agentReplies(3 * HOUR + 5 * MINUTE, 'agent-2'),
    ann.resolved('cv_fa1', 4 * HOUR),
    ann.surveySent('cv_fa1', 4 * HOUR, 'sv-a1', 'nps'),
    ann.surveyAnswered('cv_fa1', 5 * HOUR, 'sv-a1', 10, 'nps'),
    ann.surveySent('cv_fa1', 4 * HOUR, 'sv-a2', 'csat'),
    ann.surveyAnswered('cv_fa1', 5 * HOUR, 'sv-a2', 5, 'csat'),
    // A repeat contact in the same category within 7 days: the first is not resolved at first contact.
    bob.writes(0, 'fb1'),
    bob.triaged('cv_fb1', MINUTE, 'refund'),
    bob.agentReplies(30 * MINUTE, 'agent-3'),
    bob.resolved('cv_fb1', HOUR),
    bob.surveySent('cv_fb1', HOUR, 'sv-b1', 'nps'),
    bob.surveyAnswered('cv_fb1', 2 * HOUR, 'sv-b1', 8, 'nps'),
    bob.writes(2 * DAY, 'fb2'),
    bob.triaged('cv_fb2', 2 * DAY + MINUTE, 'refund'),
    bob.agentReplies(2 * DAY + 10 * MINUTE, 'agent-3'),
    bob.resolved('cv_fb2', 2 * DAY + HOUR),
    bob.surveySent('cv_fb2', 2 * DAY + HOUR, 'sv-b2', 'nps'),
    bob.surveyAnswered('cv_fb2', 2 * DAY + 2 * HOUR, 'sv-b2', 3, 'nps'),
    bob.surveySent('cv_fb2', 2 * DAY + HOUR, 'sv-b3', 'csat'),
    // A conversation we opened, answered by the customer, resolved.
    cat.agentReplies(0, 'agent-4'),
    cat.writes(20 * MINUTE),
    cat.agentReplies(25 * MINUTE, 'agent-4'),
    // Resolved without an answer, long past the first response's deadline; a dissatisfied CSAT.
    dan.writes(0, 'fd1'),
    dan.resolved('cv_fd1', 3 * HOUR),
    dan.surveySent('cv_fd1', 3 * HOUR, 'sv-d1', 'csat'),
    dan.surveyAnswered('cv_fd1', 4 * HOUR, 'sv-d1', 2, 'csat'),
    // Waiting on us for 25 hours before its resolution: past the resolution target (chat: 24 h).
    fay.writes(0, 'ff1'),
    fay.writes(20 * HOUR),
    fay.agentReplies(25 * HOUR, 'agent-5'),
    fay.resolved('cv_ff1', 25 * HOUR + 10 * MINUTE),
    // Still waiting at the end, merged into ann: one person.
    eve.writes(HOUR, 'fe1'),
    eve.mergedInto('fx-ann', 2 * HOUR),
  ];
  const stream = [...generateStream({ events: 3000, customers: 300, seed: 11, policy: slaPolicy, concurrentSessions: 40, meanGapMs: 900_000 })];
  const pairs: Pair[] = [];
  const customers: Customer[] = [];
  const run = replayEvents([...stream, ...byHand], {
    policies: () => slaPolicy,
    kpi: { groupBy },
    onConversation: (conversation, owner) => pairs.push({ conversation, customer: owner }),
    onCustomer: (fold) => void (fold.customer && customers.push(customerView(fold.customer))),
  });
  return { pairs, customers, report: run.report };
}

/** The number a figure names in a group's figures: its path, or a duration figure's `count`. */
function numberAt(figures: KpiFigures, figure: KpiFigure): number {
  let value: unknown = figures;
  for (const part of figure.split('.')) value = (value as Record<string, unknown>)[part];
  if (typeof value === 'object' && value !== null && 'count' in value) value = value.count;
  if (typeof value !== 'number') throw new Error(`${figure} is not a number of the report: ${JSON.stringify(value)}`);
  return value;
}

const ALL = { limit: 1_000_000, fcrWindowMs: DEFAULT_FCR_WINDOW_MS };
/** Figures where a conversation counts once at most; the others count waits or surveys. */
const PER_WAIT_OR_SURVEY = new Set<KpiFigure>(['nextResponseSeconds', 'csat.sent', 'csat.answered', 'csat.satisfied', 'nps.sent', 'nps.answered', 'nps.promoters', 'nps.passives', 'nps.detractors', 'sla.nextResponse.met', 'sla.nextResponse.breached']);

describe('the conversations behind a number of the report', () => {
  const { pairs, customers, report } = fixture(['day', 'channel']);

  it('given the fixture, the report of its conversations is the replay’s, and every figure has something behind it', () => {
    expect(kpiReport({ conversations: pairs, customers }, { groupBy: ['day', 'channel'] })).toEqual(report);
    expect(report.total.conversations).toBeGreaterThan(300);
    const empty = KPI_FIGURES.filter((f) => numberAt(report.total, f) === 0);
    expect(empty).toEqual([]);
  });

  it('for every figure, the conversations behind the total add up to its number, each counted once where the figure counts conversations', () => {
    for (const figure of KPI_FIGURES) {
      const behind = conversationsBehind(figure, pairs, ALL);
      const number = numberAt(report.total, figure);
      expect(behind.number, figure).toBe(number);
      expect(behind.members.reduce((n, m) => n + m.counted, 0), figure).toBe(number);
      expect(behind.members, figure).toHaveLength(behind.total);
      expect(new Set(behind.members.map((m) => m.conversation.id)).size, figure).toBe(behind.total);
      if (!PER_WAIT_OR_SURVEY.has(figure)) expect(behind.total, figure).toBe(number);
      else expect(behind.total, figure).toBeLessThanOrEqual(number);
    }
  });

  it('for every group of a report by day and channel, and by category, the same holds group by group', () => {
    const byCategory = kpiReport({ conversations: pairs, customers }, { groupBy: ['category'] });
    const groups = [...report.groups.map((g) => ({ g, dimensions: ['day', 'channel'] as GroupDimension[] })), ...byCategory.groups.map((g) => ({ g, dimensions: ['category'] as GroupDimension[] }))];
    expect(groups.length).toBeGreaterThan(8);
    const wrong: string[] = [];
    for (const { g, dimensions } of groups) {
      for (const figure of KPI_FIGURES) {
        const behind = conversationsBehind(figure, pairs, { ...ALL, group: { key: g.key, dimensions } });
        if (behind.number !== numberAt(g, figure)) wrong.push(`${JSON.stringify(g.key)} ${figure}: ${behind.number} behind, ${numberAt(g, figure)} in the report`);
      }
    }
    expect(wrong).toEqual([]);
    // A contact reason's conversations are the figure `conversations` of its category's group.
    for (const reason of byCategory.total.contactReasons) {
      expect(conversationsBehind('conversations', pairs, { ...ALL, group: { key: { category: reason.category }, dimensions: ['category'] } }).total).toBe(reason.conversations);
    }
  });

  it('lists first response slowest first, with each conversation’s time: the median of those times is the report’s', () => {
    const behind = conversationsBehind('firstResponseSeconds', pairs, ALL);
    expect(behind.valueName).toBe('firstResponseMs');
    const values = behind.members.map((m) => m.value as number);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    const ascending = [...values].reverse();
    const nearestRank = (p: number) => ascending[Math.ceil((p * ascending.length) / 100) - 1]! / 1000;
    expect(nearestRank(50)).toBe(report.total.firstResponseSeconds.median);
    expect(nearestRank(90)).toBe(report.total.firstResponseSeconds.p90);
  });

  it('given a limit, keeps the first in the figure’s order whatever order the conversations come in, and still counts them all', () => {
    for (const figure of ['firstResponseSeconds', 'sla.firstResponse.breached', 'conversations', 'csat.answered'] as const) {
      const all = conversationsBehind(figure, pairs, ALL);
      const first = conversationsBehind(figure, [...pairs].reverse(), { ...ALL, limit: 7 });
      expect(first.members.map((m) => m.conversation.id), figure).toEqual(all.members.slice(0, 7).map((m) => m.conversation.id));
      expect({ number: first.number, total: first.total }).toEqual({ number: all.number, total: all.total });
    }
  });

  it('answers each conversation’s own value: its waits, its scores, whether at first contact', () => {
    const byId = (figure: KpiFigure, id: string) => conversationsBehind(figure, pairs, ALL).members.find((m) => m.conversation.id === id);
    expect(byId('nps.promoters', 'cv_fa1')).toMatchObject({ counted: 1, value: [10] });
    expect(byId('nps.answered', 'cv_fb2')).toMatchObject({ counted: 1, value: [3] });
    expect(byId('nps.detractors', 'cv_fb1')).toBeUndefined();
    expect(byId('firstContactResolution.resolved', 'cv_fb1')).toMatchObject({ value: false });
    expect(byId('firstContactResolution.resolvedAtFirstContact', 'cv_fb2')).toMatchObject({ counted: 1 });
    expect(byId('reopenRate.reopened', 'cv_fa1')).toMatchObject({ counted: 1 });
    expect(byId('sla.firstResponse.breached', 'cv_fd1')).toMatchObject({ counted: 1, value: null });
    expect(byId('csat.sent', 'cv_fb2')).toMatchObject({ counted: 1, value: [null] });
    // The wait after the first answer (50 min), and the one the reopen started (5 min).
    expect(byId('nextResponseSeconds', 'cv_fa1')).toMatchObject({ counted: 2, value: [50 * MINUTE, 5 * MINUTE] });
    expect(byId('sla.resolution.breached', 'cv_ff1')).toMatchObject({ counted: 1, value: 25 * HOUR + 10 * MINUTE });
    expect(byId('open', 'cv_fe1')).toMatchObject({ counted: 1 });
    expect(byId('open', 'cv_fe1')!.value).toBeUndefined();
  });
});

describe('naming a figure and a group', () => {
  it('knows the figures by their path in the report, and nothing else', () => {
    expect(KPI_FIGURES).toContain('sla.firstResponse.breached');
    expect(KPI_FIGURES).toContain('firstResponseSeconds');
    for (const name of ['slaBreached', 'customers', 'constructor', '__proto__', 'sla.firstResponse', 'sla.firstResponse.compliance']) expect(isKpiFigure(name), name).toBe(false);
  });

  it('reads a group key as the report writes it', () => {
    expect(parseGroupKey('{"day":"2026-01-05","team":null}')).toEqual({ ok: true, key: { day: '2026-01-05', team: null }, dimensions: ['day', 'team'] });
    expect(parseGroupKey('{}')).toEqual({ ok: true, key: {}, dimensions: [] });
    expect(parseGroupKey('{"weekday":"mon"}')).toMatchObject({ ok: false, message: expect.stringContaining('unknown dimension weekday') });
    expect(parseGroupKey('{"__proto__":{"day":"x"}}')).toMatchObject({ ok: false, message: expect.stringContaining('unknown dimension __proto__') });
    expect(parseGroupKey('{"day":5}')).toMatchObject({ ok: false });
    expect(parseGroupKey('["day"]')).toMatchObject({ ok: false });
    expect(parseGroupKey('day=2026-01-05')).toMatchObject({ ok: false });
  });

  it('reads dimensions as --group-by does: each once, the unknown named', () => {
    expect(parseGroupDimensions('day, week,day')).toEqual({ ok: true, dimensions: ['day', 'week'] });
    expect(parseGroupDimensions('')).toEqual({ ok: true, dimensions: [] });
    expect(parseGroupDimensions('day,hour,weekday')).toEqual({ ok: false, unknown: ['hour', 'weekday'], message: 'unknown dimension hour, weekday; use any of tenant,channel,team,agent,category,day,week,month' });
  });
});
