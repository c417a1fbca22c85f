import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { foldPolicies } from '../../../src/config/policies.ts';
import { replayFile } from '../../../src/replay/run.ts';
import { tenantTargets } from '../../../src/replay/targets.ts';
import { replayFileThreaded } from '../../../src/replay/threaded.ts';
import { generateStream } from '../../../src/sim/stream.ts';

const dir = mkdtempSync(join(tmpdir(), 'cs-threaded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay with the fold on its own thread', () => {
  it('given the same export, reports exactly what the single-threaded replay reports, and names a bad line', async () => {
    const config = loadConfig({ env: {} });
    const events = [...generateStream({ events: 6000, customers: 400, seed: 9, policy: foldPolicies(config.tenants)('acme') })];
    const file = join(dir, 'export.ndjson');
    const lines = events.map((e) => JSON.stringify(e));
    lines.splice(100, 0, '{"specversion":"1.0","id":"broken"');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const groupBy = ['tenant', 'channel', 'week'] as const;

    const single = await replayFile(file, { policies: foldPolicies(config.tenants), kpi: { groupBy, targets: tenantTargets(config) } });
    const rejected: string[] = [];
    const threaded = await replayFileThreaded(file, { tenants: config.tenants, kpi: { groupBy } }, { rejected: (where) => rejected.push(where) });

    expect(threaded.report).toEqual(single.report);
    expect(threaded.stats).toEqual(single.stats);
    expect(threaded.report.total.conversations).toBeGreaterThan(100);
    expect(rejected).toEqual(['line 101']);
  });
});
