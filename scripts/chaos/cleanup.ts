/**
 * What a chaos run leaves is removed at its end (also after a failure or Ctrl-C): its role
 * processes, its broker and that broker's data, its topics and consumer groups when it ran on the
 * shared broker, and every Redis key carrying its name (`chaos-<run>`: projections, control keys,
 * queues, ingest claims, identities, delivery state). A run that was itself killed cannot clean up:
 * its state file lets the next run sweep it (`sweepStaleRuns`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { stopKafkaNode } from '../stack/kafka-node.ts';
import { isAlive } from '../stack/process.ts';
import { stackDir } from '../stack/stack.ts';
import { AdminLink, probeKafka } from './probes.ts';

export const chaosDir = join(stackDir, 'chaos');
export const runsDir = join(chaosDir, 'runs');
export const logsDir = join(chaosDir, 'logs');

/** What a later run needs to clean up after this one if it dies without cleaning up itself. */
export interface RunState {
  harnessPid: number;
  name: string;
  redisUrl: string;
  brokers: string[];
  /** Topics and groups live on a broker others use: delete them one by one. */
  sharedBroker: boolean;
  topics: string[];
  groups: string[];
  rolePids: number[];
  brokerDir: string | null;
}

export function writeRunState(dir: string, state: RunState): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2));
}

const KEY_PAGE = 10_000;

export async function removeRedisKeys(redisUrl: string, name: string): Promise<number> {
  if (!/^chaos-[A-Za-z0-9]+$/.test(name)) throw new Error(`refusing to remove keys of ${name}: not a chaos run`);
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let removed = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${name}*`, 'COUNT', KEY_PAGE);
      cursor = next;
      if (keys.length) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}

export async function removeKafkaResources(brokers: string[], name: string, topics: string[], groups: string[]): Promise<void> {
  if (![...topics, ...groups].every((t) => t.includes(name))) throw new Error(`refusing to delete topics or groups not named after ${name}`);
  const link = new AdminLink(probeKafka(brokers, `${name}-cleanup`));
  try {
    await link.use((admin) => admin.deleteGroups(groups)).catch(() => undefined);
    // Consumer groups of the run's own readers (topic reads) are deleted by those readers.
    await link.use((admin) => admin.deleteTopics({ topics, timeout: 10_000 })).catch(() => undefined);
  } finally {
    await link.close();
  }
}

function isRoleProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('workers/main.ts');
  } catch {
    return false;
  }
}

/** Cleans up after earlier runs whose harness is gone (killed before its own clean-up ran). */
export async function sweepStaleRuns(say: (line: string) => void): Promise<void> {
  if (!existsSync(runsDir)) return;
  for (const entry of readdirSync(runsDir)) {
    const dir = join(runsDir, entry);
    let state: RunState;
    try {
      state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as RunState;
    } catch {
      // No state yet: a run just starting. Only an old one is removed.
      if (Date.now() - statSync(dir).mtimeMs > 3600_000) rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (isAlive(state.harnessPid)) continue;
    say(`sweeping what the earlier run ${state.name} left (its harness, pid ${state.harnessPid}, is gone)`);
    for (const pid of state.rolePids) if (isAlive(pid) && isRoleProcess(pid)) process.kill(pid, 'SIGKILL');
    if (state.brokerDir) await stopKafkaNode(state.brokerDir).catch(() => undefined);
    if (state.sharedBroker) await removeKafkaResources(state.brokers, state.name, state.topics, state.groups).catch(() => undefined);
    await removeRedisKeys(state.redisUrl, state.name).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
