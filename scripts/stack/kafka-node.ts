import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { JAVA_MISSING, ensureKafkaJars } from './kafka-dist.ts';
import { portOpen, readPid, stopFromPidFile, waitFor } from './process.ts';
import { explainSpawnError, requireTool } from './tools.ts';

/** One KRaft node acting as broker and controller, with its data, config and log under `dir`. */
export interface KafkaNodeOptions {
  stackDir: string;
  dir: string;
  port: number;
  controllerPort: number;
  heap?: string;
}

const serverProperties = (o: KafkaNodeOptions) => `# Written by scripts/stack on every start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${o.controllerPort}
listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${join(o.dir, 'data')}
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.retention.hours=-1
log.segment.bytes=268435456
`;

const log4jProperties = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
`;

function java(o: KafkaNodeOptions, args: string[], detached: boolean, logFile?: string) {
  requireTool('java', JAVA_MISSING);
  const libs = ensureKafkaJars(o.stackDir, (l) => console.log(`[stack] ${l}`));
  const jvm = [
    `-Xms256m`,
    `-Xmx${o.heap ?? '1g'}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(o.dir, 'log4j.properties')}`,
    `-Dkafka.logs.dir=${o.dir}`,
    '-cp',
    `${libs}/*`,
  ];
  const fd = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn('java', [...jvm, ...args], { detached, stdio: ['ignore', fd, fd] });
  if (typeof fd === 'number') closeSync(fd);
  return child;
}

function formatStorageOnce(o: KafkaNodeOptions): Promise<void> {
  if (existsSync(join(o.dir, 'data', 'meta.properties'))) return Promise.resolve();
  // A KRaft cluster id is 16 random bytes, base64url without padding; one starting with '-' would
  // be read as an option by the storage tool (Kafka's own Uuid.randomUuid() avoids them too).
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  const child = java(o, ['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', join(o.dir, 'server.properties')], false, join(o.dir, 'format.log'));
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(explainSpawnError(err, 'java', JAVA_MISSING)));
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`kafka storage format failed (exit ${code}); see ${join(o.dir, 'format.log')}`)),
    );
  });
}

/** Resolves when the broker answers a metadata request, not merely when its port is open. */
export async function answersMetadata(port: number): Promise<boolean> {
  if (!(await portOpen('127.0.0.1', port))) return false;
  const admin = new Kafka({
    clientId: 'stack-probe',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export const kafkaPidFile = (dir: string) => join(dir, 'kafka.pid');

/** Starts the node unless ours is already running; returns true when it started one. */
export async function startKafkaNode(o: KafkaNodeOptions, timeoutMs = 120_000): Promise<boolean> {
  mkdirSync(join(o.dir, 'data'), { recursive: true });
  if (readPid(kafkaPidFile(o.dir)) !== undefined) {
    await waitFor(`Kafka on 127.0.0.1:${o.port}`, () => answersMetadata(o.port), timeoutMs);
    return false;
  }
  writeFileSync(join(o.dir, 'server.properties'), serverProperties(o));
  writeFileSync(join(o.dir, 'log4j.properties'), log4jProperties);
  await formatStorageOnce(o);
  const logFile = join(o.dir, 'kafka.log');
  const child = java(o, ['kafka.Kafka', join(o.dir, 'server.properties')], true, logFile);
  child.unref();
  writeFileSync(kafkaPidFile(o.dir), `${child.pid}\n`);
  let exited: number | null = null;
  let failed: Error | undefined;
  child.once('exit', (code) => (exited = code ?? -1));
  child.once('error', (err) => (failed = explainSpawnError(err, 'java', JAVA_MISSING)));
  await waitFor(
    `Kafka on 127.0.0.1:${o.port}`,
    async () => {
      if (failed) throw failed;
      if (exited !== null) throw new Error(`Kafka exited with code ${exited} while starting; see ${logFile}`);
      return answersMetadata(o.port);
    },
    timeoutMs,
  );
  return true;
}

export async function stopKafkaNode(dir: string): Promise<boolean> {
  // Controlled shutdown of a single node takes a few seconds; past 30 s something is stuck.
  return stopFromPidFile(kafkaPidFile(dir), 30_000);
}
