/**
 * One of the replay's fold threads (see threaded.ts). It parses its records, folds them with the
 * shared `applyEvent` and keeps a KPI accumulator; at the end it hands back the accumulator's tally,
 * merged there into one report. Its records either come dealt by the reading thread (a file's
 * lines, by customer) or, from Kafka, straight from the broker: the thread consumes its share of
 * the topic's partitions itself, so kafkajs's decoding is spread over the threads as well. Everything
 * it needs arrives as plain data (the tenants' settings as written, not functions), so it builds
 * the same policies the command would.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { foldPolicies } from '../config/policies.ts';
import { Replay } from './engine.ts';
import { tenantTargets } from './targets.ts';
import { readStrict, readTrusted } from './fast-parse.ts';
import { readTopic, replayKafka } from './kafka-source.ts';
import type { FromFold, FromReader, RefKind, ThreadSettings, TopicShare } from './threaded.ts';

const { settings, refKind, share } = workerData as { settings: ThreadSettings; refKind: RefKind; share?: TopicShare };
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
const post = (m: FromFold) => parentPort!.postMessage(m);

function reject(ref: number, partition: number, message: string): void {
  if (++rejected <= 10) firstRejections.push({ ref: refText(ref, partition), message });
}

function add(text: string, partition: number, ref: number): void {
  const result = read(text);
  if (result.ok) replay.add(result.event, partition);
  else reject(ref, partition, result.error.message);
}

function finish(): void {
  const { tally, stats } = replay.finishTally();
  post({ kind: 'done', tally, stats: { ...stats, rejected }, firstRejections });
}

if (share) {
  const kafka = replayKafka(share.kafka);
  let done = 0;
  readTopic({
    kafka,
    topic: share.topic,
    partitions: share.partitions,
    ...(settings.since !== undefined ? { since: settings.since } : {}),
    record: (message, partition, offset) => {
      if (message.value === null) reject(offset, partition, 'record has no value');
      else add(message.value.toString('utf8'), partition, offset);
    },
    progress: (records) => {
      post({ kind: 'progress', records: records - done });
      done = records;
    },
  }).then(finish, (err: unknown) => {
    // The error crosses as plain data; the pool rethrows it with the thread's partitions named.
    post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  });
} else {
  parentPort!.on('message', (m: FromReader) => {
    if (m.kind === 'batch') {
      const bytes = Buffer.from(m.bytes);
      let start = 0;
      for (let i = 0; i < m.ends.length; i++) {
        const end = m.ends[i]!;
        add(bytes.toString('utf8', start, end), m.partitions[i]!, m.refs[i]!);
        start = end;
      }
      post({ kind: 'ack' });
    } else finish();
  });
}
