/**
 * One of the replay's fold threads (see threaded.ts): it parses the records the reading thread
 * deals it (its customers' records), folds them with the shared `applyEvent` and keeps a KPI
 * accumulator; at the end it hands back the accumulator's tally, merged there into one report.
 * Everything it needs arrives as plain data (the tenants' settings as written, not functions), so
 * it builds the same policies the command would.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { foldPolicies } from '../config/policies.ts';
import { Replay } from './engine.ts';
import { tenantTargets } from './targets.ts';
import { readStrict, readTrusted } from './fast-parse.ts';
import type { FromReader, RefKind, ThreadSettings } from './threaded.ts';

const { settings, refKind } = workerData as { settings: ThreadSettings; refKind: RefKind };
const replay = new Replay({
  policies: foldPolicies(settings.tenants, settings.autoResolveAfterMs !== undefined ? { autoResolveAfterMs: settings.autoResolveAfterMs } : undefined),
  kpi: { ...settings.kpi, targets: tenantTargets(settings) },
  ...(settings.since !== undefined ? { since: settings.since } : {}),
  ...(settings.until !== undefined ? { until: settings.until } : {}),
  ...(settings.tenant !== undefined ? { tenant: settings.tenant } : {}),
});
const read = settings.strict ? readStrict : readTrusted;
let rejected = 0;
const firstRejections: Array<{ ref: string; message: string }> = [];
const refText = (ref: number, partition: number) => (refKind === 'line' ? `line ${ref}` : `partition ${partition} offset ${ref}`);

parentPort!.on('message', (m: FromReader) => {
  if (m.kind === 'batch') {
    const bytes = Buffer.from(m.bytes);
    let start = 0;
    for (let i = 0; i < m.ends.length; i++) {
      const end = m.ends[i]!;
      const result = read(bytes.toString('utf8', start, end));
      start = end;
      if (result.ok) replay.add(result.event, m.partitions[i]!);
      else if (++rejected <= 10) firstRejections.push({ ref: refText(m.refs[i]!, m.partitions[i]!), message: result.error.message });
    }
    parentPort!.postMessage({ kind: 'ack' });
  } else {
    const { tally, stats } = replay.finishTally();
    parentPort!.postMessage({ kind: 'done', tally, stats: { ...stats, rejected }, firstRejections });
  }
});
