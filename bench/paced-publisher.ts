/**
 * The lag benchmark's load: realistic traffic published at a steady rate, each event stamped with
 * its publish instant, from a process of its own (as the API or an adapter would be), so the load
 * does not steal the fold's event loop. Prints the number of events sent.
 *
 *   CS_CONFIG_DIR, PUBLISH_RATE (events/s), PUBLISH_SECONDS, PUBLISH_CUSTOMERS
 */
import { loadConfig } from '../src/config/load.ts';
import { defaultFoldPolicy } from '../src/domain/fold/policy.ts';
import { openKafkaEventLog } from '../src/log/event-log.ts';
import { createKafka } from '../src/log/kafka.ts';
import { createLogger } from '../src/observability/logger.ts';
import { generateStream } from '../scripts/sim/stream.ts';
import { sleep } from './support.ts';

const rate = Number(process.env.PUBLISH_RATE ?? 5000);
const seconds = Number(process.env.PUBLISH_SECONDS ?? 20);
const customers = Number(process.env.PUBLISH_CUSTOMERS ?? 10_000);
const config = loadConfig();
const logger = createLogger({ level: 'warn', name: 'bench-publisher' });
const log = await openKafkaEventLog({ kafka: createKafka(config.kafka, logger), topic: config.kafka.topics.events, publishTimeoutMs: 60_000 });
const traffic = [...generateStream({ events: rate * seconds, customers, seed: 23, policy: defaultFoldPolicy })];
const tickMs = 20;
const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
const ticks = Math.round((seconds * 1000) / tickMs);
const start = Date.now();
const pending: Array<Promise<unknown>> = [];
let seq = 0;
for (let t = 0; t < ticks; t++) {
  const wait = start + t * tickMs - Date.now();
  if (wait > 0) await sleep(wait);
  const time = new Date().toISOString();
  const batch = traffic.slice(seq, seq + perTick).map((e) => ({ ...e, time }));
  seq += batch.length;
  pending.push(log.append(batch));
}
await Promise.all(pending);
await log.close();
console.log(`sent ${seq} ${((seq * 1000) / (Date.now() - start)).toFixed(0)}`);
process.exit(0);
