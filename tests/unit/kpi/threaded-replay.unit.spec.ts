import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { foldPolicies } from '../../../src/config/policies.ts';
import { Replay } from '../../../src/replay/engine.ts';
import { replayFile } from '../../../src/replay/run.ts';
import { tenantTargets } from '../../../src/replay/targets.ts';
import { replayFileThreaded } from '../../../src/replay/threaded.ts';
import { generateStream } from '../../../scripts/sim/stream.ts';

const dir = mkdtempSync(join(tmpdir(), 'cs-threaded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Worker threads start and load the fold from sources (tsx): seconds on a busy two-core machine.
describe('replay with the fold on threads of its own', { timeout: 60_000 }, () => {
  it('given the same export, reports exactly what the single-threaded replay reports on one, two or three fold threads, and names a bad line', async () => {
    const config = loadConfig({ env: {} });
    const events = [...generateStream({ events: 6000, customers: 400, seed: 9, policy: foldPolicies(config.tenants)('acme') })];
    const file = join(dir, 'export.ndjson');
    const lines = events.map((e) => JSON.stringify(e));
    lines.splice(100, 0, '{"specversion":"1.0","id":"broken"');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const groupBy = ['tenant', 'channel', 'week'] as const;

    const single = await replayFile(file, { policies: foldPolicies(config.tenants), kpi: { groupBy, targets: tenantTargets(config) } });
    expect(single.report.total.conversations).toBeGreaterThan(100);
    for (const threads of [1, 2, 3]) {
      const rejected: string[] = [];
      const threaded = await replayFileThreaded(file, { tenants: config.tenants, kpi: { groupBy }, threads }, { rejected: (where) => rejected.push(where) });
      expect(threaded.report, `${threads} threads`).toEqual(single.report);
      // Memory is per thread: the peak is the sum of the threads' peaks, an upper bound.
      const { peakConversationsInMemory, ...stats } = threaded.stats;
      const { peakConversationsInMemory: singlePeak, ...singleStats } = single.stats;
      expect(stats).toEqual(singleStats);
      expect(peakConversationsInMemory).toBeGreaterThanOrEqual(singlePeak);
      expect(rejected).toEqual(['line 101']);
    }
  });

  it('reads an export as written by other tools: BOM, CRLF, blank lines, gzip, records longer than a read chunk', async () => {
    const config = loadConfig({ env: {} });
    const policies = foldPolicies(config.tenants);
    const events = [...generateStream({ events: 3000, customers: 200, seed: 4, policy: policies('acme') })];
    // One message far longer than the reader's 1 MiB chunks, so lines straddle chunk boundaries.
    const long = { ...events[0]!, data: { ...(events[0]!.data as object), text: 'x'.repeat(3 * 1024 * 1024) } } as (typeof events)[number];
    const all = [long, ...events.slice(1)];
    const expected = new Replay({ policies, kpi: { groupBy: ['tenant'], targets: tenantTargets(config) } });
    for (const e of all) expected.add(structuredClone(e));
    const want = expected.finish();

    const text = `\uFEFF${all.map((e, i) => JSON.stringify(e) + (i % 500 === 0 ? '\r\n  \r\n\t\n' : '\r\n')).join('')}`;
    const plain = join(dir, 'tools.ndjson');
    writeFileSync(plain, text);
    const zipped = join(dir, 'tools.ndjson.gz');
    writeFileSync(zipped, gzipSync(text));
    for (const file of [plain, zipped]) {
      const rejected: string[] = [];
      const run = await replayFileThreaded(file, { tenants: config.tenants, kpi: { groupBy: ['tenant'] }, threads: 2 }, { rejected: (where) => rejected.push(where) });
      expect(rejected).toEqual([]);
      expect(run.stats.read).toBe(all.length);
      expect(run.report).toEqual(want.report);
    }
  });
});
