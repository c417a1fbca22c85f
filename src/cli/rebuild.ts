import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { rebuildProjections } from '../fold/rebuild.ts';
import { createKafka } from '../log/kafka.ts';
import { createLogger } from '../observability/logger.ts';
import { projectionKeys } from '../projections/keys.ts';
import { redisConnection } from '../queues/connection.ts';
import { carryOverSteps, readActiveNamespace } from '../projections/live-assignment.ts';
import { progress } from './progress.ts';

export function rebuildCommand(program: Command): void {
  program
    .command('rebuild')
    .description('fold the whole event topic into a fresh projection namespace, then switch reads and the live fold to it')
    .option('--namespace <name>', 'namespace to fill (default: a fresh r<time> name)')
    .option('--no-switch', 'build the namespace but leave reads and the live fold where they are')
    .option('--drop-old', 'delete the previously active namespace after switching')
    .action(async (opts: { namespace?: string; switch: boolean; dropOld?: boolean }) => {
      const config = loadConfig();
      const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'cs-rebuild' });
      const redis = redisConnection(config.redis.url, 'cs-rebuild');
      const bar = progress('rebuild');
      try {
        const previous = await readActiveNamespace(redis, config.instance, config.fold.namespace);
        const result = await rebuildProjections({
          config,
          kafka: createKafka(config.kafka, logger),
          redis,
          logger,
          ...(opts.namespace ? { namespace: opts.namespace } : {}),
          switchReads: opts.switch,
          onProgress: (done, total) => bar.update(done, total),
        });
        bar.stop();
        let dropped = 0;
        let carried = 0;
        if (opts.dropOld && result.switched && previous !== result.namespace) {
          carried = await carryOverSteps(redis, projectionKeys(previous).steps, projectionKeys(result.namespace).steps);
          dropped = await dropNamespace(redis, previous);
        }
        const rate = result.elapsedMs > 0 ? Math.round((result.events / result.elapsedMs) * 1000) : result.events;
        console.log(
          `rebuilt namespace ${result.namespace} from ${result.events} events in ${(result.elapsedMs / 1000).toFixed(1)}s (${rate} events/s)` +
            (result.switched ? `; reads and the live fold now use it (was ${previous})` : '; reads unchanged') +
            (opts.dropOld ? `; dropped ${dropped} keys of ${previous}${carried > 0 ? ` (its ${carried} workflow steps not yet run moved over)` : ''}` : ''),
        );
      } finally {
        bar.stop();
        redis.disconnect();
      }
    });
}

async function dropNamespace(redis: ReturnType<typeof redisConnection>, namespace: string): Promise<number> {
  let cursor = '0';
  let dropped = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', projectionKeys(namespace).pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) dropped += await redis.unlink(...keys);
  } while (cursor !== '0');
  return dropped;
}
