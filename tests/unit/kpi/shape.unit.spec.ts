import { describe, expect, it } from 'vitest';
import { renderCsv } from '../../../src/replay/render/csv.ts';
import { isoWeek } from '../../../src/domain/kpi/groups.ts';
import { Distribution, nearestRank } from '../../../src/domain/kpi/distribution.ts';
import { createRedactor } from '../../../src/replay/redact.ts';
import { replayEvents } from '../../../src/replay/run.ts';
import { generateStream } from '../../../scripts/sim/stream.ts';
import { customer, MINUTE, replayed, slaPolicy } from './given.ts';

describe('group-by', () => {
  const ann = customer('ann', 'email');
  const bob = customer('bob', 'chat');
  const events = [ann.writes(0, 'a1'), ann.agentReplies(5 * MINUTE, 'agent-7'), bob.writes(0, 'b1'), bob.assigned('cv_b1', MINUTE, 'agent-9'), bob.agentReplies(2 * MINUTE, 'agent-9')];

  it('gives one group per value, each carrying the same figures as the total, and the groups add up to it', () => {
    const report = replayed(events, { kpi: { groupBy: ['channel', 'agent'] } });
    expect(report.groups.map((g) => g.key)).toEqual([
      { channel: 'chat', agent: 'agent-9' },
      { channel: 'email', agent: 'agent-7' },
    ]);
    expect(report.groups.map((g) => g.firstResponseSeconds.mean)).toEqual([120, 300]);
    expect(report.groups.reduce((n, g) => n + g.conversations, 0)).toBe(report.total.conversations);
    expect(report.total.firstResponseSeconds).toEqual({ count: 2, mean: 210, median: 120, p90: 300 });
  });

  it('the JSON shape: total and each group carry at least these fields', () => {
    const report = replayed(events, { kpi: { groupBy: ['week'] } });
    const json = JSON.parse(JSON.stringify(report)) as { total: Record<string, unknown>; groups: Array<Record<string, unknown>> };
    for (const figures of [json.total, ...json.groups]) {
      expect(Object.keys(figures)).toEqual(
        expect.arrayContaining(['conversations', 'customerInitiated', 'firstResponseSeconds', 'nextResponseSeconds', 'handlingSeconds', 'resolutionSeconds', 'reopenRate', 'firstContactResolution', 'csat', 'nps', 'sla', 'contactReasons', 'channels', 'backlog', 'serviceScore']),
      );
      expect(figures.firstResponseSeconds).toEqual({ count: expect.any(Number), mean: expect.any(Number), median: expect.any(Number), p90: expect.any(Number) });
    }
    expect(json.groups[0]!.key).toEqual({ week: '2026-W10' });
  });

  it('CSV: a header, one row per group, then the total', () => {
    const csv = renderCsv(replayed(events, { kpi: { groupBy: ['channel'] } }), ['channel']).trim().split('\n');
    const header = csv[0]!.split(',');
    expect(header.slice(0, 3)).toEqual(['channel', 'conversations', 'customerInitiated']);
    expect(header).toContain('firstResponseSeconds.median');
    expect(csv.slice(1).map((r) => r.split(',')[0])).toEqual(['chat', 'email', '(total)']);
    const median = header.indexOf('firstResponseSeconds.median');
    expect(csv.slice(1).map((r) => r.split(',')[median])).toEqual(['120', '300', '120']);
  });
});

describe('calendar keys', () => {
  it('ISO weeks start on Monday; the week of the year’s first Thursday is week 1', () => {
    expect(isoWeek(Date.parse('2026-01-01T12:00:00Z'))).toBe('2026-W01');
    expect(isoWeek(Date.parse('2027-01-01T12:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(Date.parse('2026-03-01T23:59:59Z'))).toBe('2026-W09');
    expect(isoWeek(Date.parse('2026-03-02T00:00:00Z'))).toBe('2026-W10');
  });
});

describe('nearest rank', () => {
  it('p90 of 30 values is the 27th (p/100 · n computed without floating-point drift)', () => {
    const d = new Distribution();
    for (let i = 1; i <= 30; i++) d.add(i * 1000);
    expect(nearestRank(d.sorted(), 30, 90)).toBe(27_000);
    expect(d.summary()).toEqual({ count: 30, mean: 15.5, median: 15, p90: 27 });
  });
});

describe('a redacted export', () => {
  it('replays to the same KPIs, with no text or handle left', () => {
    const events = [...generateStream({ events: 5000, customers: 400, seed: 7, policy: slaPolicy })];
    const redact = createRedactor();
    const redacted = events.map(redact);
    const options = { policies: () => slaPolicy, kpi: { groupBy: ['channel', 'category', 'agent'] as const } };
    expect(replayEvents(redacted, { ...options, kpi: { groupBy: [...options.kpi.groupBy] } }).report).toEqual(replayEvents(events, { ...options, kpi: { groupBy: [...options.kpi.groupBy] } }).report);
    const text = JSON.stringify(redacted);
    expect(text).not.toContain('Where is my order?');
    expect(text).not.toContain('@example.com');
    // Stable within an export: the same handle, the same pseudonym.
    const handles = new Set(redacted.filter((e) => e.type === 'message.received' && e.customer === events[0]!.customer).map((e) => (e.type === 'message.received' ? e.data.handle : '')));
    expect(handles.size).toBeLessThanOrEqual(2);
  });

  it('leaves no name or store key of a file an agent sent', () => {
    const ann = customer('ann', 'email');
    const reply = ann.agentReplies(5 * MINUTE, 'agent-7');
    if (reply.type !== 'message.sent') throw new Error('not a reply');
    const storageKey = 'c'.repeat(64);
    const sent = { ...reply, data: { ...reply.data, attachments: [{ filename: 'ann-passport.pdf', contentType: 'application/pdf', size: 1000, storageKey }] } };
    const text = JSON.stringify(createRedactor()(sent));
    expect(text).not.toContain('ann-passport');
    expect(text).not.toContain(storageKey);
    expect(text).toContain('application/pdf');
  });
});
