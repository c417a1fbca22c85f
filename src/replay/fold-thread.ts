/**
 * The replay's fold on its own thread (see threaded.ts): it parses the records the reading thread
 * hands over, folds them with the shared `applyEvent` and keeps the KPI accumulator; at the end it
 * hands back the report. Everything it needs arrives as plain data (the tenants' settings as
 * written, not functions), so it builds the same policies the command would.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { foldPolicies } from '../config/policies.ts';
import { Replay } from './engine.ts';
import { tenantTargets } from './targets.ts';
import { readStrict, readTrusted } from './fast-parse.ts';
import type { FromReader, ThreadSettings } from './threaded.ts';

const settings = workerData as ThreadSettings;
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

parentPort!.on('message', (m: FromReader) => {
  if (m.kind === 'batch') {
    for (let i = 0; i < m.texts.length; i++) {
      const result = read(m.texts[i]!);
      if (result.ok) replay.add(result.event, m.partitions[i]!);
      else if (++rejected <= 10) firstRejections.push({ ref: m.refs[i]!, message: result.error.message });
    }
    parentPort!.postMessage({ kind: 'ack' });
  } else {
    const { report, stats } = replay.finish();
    parentPort!.postMessage({ kind: 'done', report, stats: { ...stats, rejected }, firstRejections });
  }
});
