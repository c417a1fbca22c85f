import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answersMetadata, kafkaPidFile, startKafkaNode, stopKafkaNode } from './kafka-node.ts';
import { portOpen, readPid } from './process.ts';
import { ownRedisRunning, startRedis, stopRedis } from './redis-node.ts';

/** The local stack: Redis and one Kafka node, started without Docker, state under .stack/. */
export const projectRoot = resolve(fileURLToPath(import.meta.url), '../../..');
export const stackDir = process.env.STACK_DIR ?? resolve(projectRoot, '.stack');
const kafkaDir = resolve(stackDir, 'kafka', 'node');
const redisDir = resolve(stackDir, 'redis');

export const redisUrl = () => new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
export const kafkaPort = () => {
  const first = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')[0]!;
  return Number(first.split(':')[1] ?? 9092);
};

const say = (line: string) => console.log(`[stack] ${line}`);

export async function stackUp(): Promise<void> {
  const t0 = Date.now();
  const startedRedis = await startRedis(redisUrl(), redisDir, say);
  say(startedRedis ? `started redis-server on ${redisUrl().host}` : `using the Redis that answers at ${redisUrl().host}`);
  const port = kafkaPort();
  if (readPid(kafkaPidFile(kafkaDir)) === undefined && (await answersMetadata(port))) {
    say(`using the Kafka that answers at 127.0.0.1:${port}`);
  } else {
    const started = await startKafkaNode({ stackDir, dir: kafkaDir, port, controllerPort: port + 1 });
    say(started ? `started Kafka (KRaft) on 127.0.0.1:${port}; log in ${kafkaDir}/kafka.log` : `Kafka already running on 127.0.0.1:${port}`);
  }
  say(`up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}

export async function stackDown(): Promise<void> {
  say((await stopKafkaNode(kafkaDir)) ? 'stopped Kafka' : 'Kafka was not started by the stack');
  say((await stopRedis(redisDir)) ? 'stopped redis-server' : 'Redis was not started by the stack');
}

export async function stackStatus(): Promise<boolean> {
  const kafkaPid = readPid(kafkaPidFile(kafkaDir));
  const kafkaUp = await answersMetadata(kafkaPort());
  const url = redisUrl();
  const redisUp = await portOpen(url.hostname, Number(url.port || 6379));
  say(`kafka 127.0.0.1:${kafkaPort()}: ${kafkaUp ? 'up' : 'down'}${kafkaPid ? ` (ours, pid ${kafkaPid})` : ''}`);
  say(`redis ${url.host}: ${redisUp ? 'up' : 'down'}${ownRedisRunning(redisDir) ? ' (ours)' : ''}`);
  return kafkaUp && redisUp;
}
