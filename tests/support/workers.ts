import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../src/config/schema.ts';
import { eventually } from './collect.ts';

const root = resolve(import.meta.dirname, '../..');

/** A config folder holding exactly this config, for a worker process of its own. */
export function writeConfigDir(config: Config): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
  writeFileSync(join(dir, 'default.yaml'), stringify(config));
  return dir;
}

/** Starts an engine role as a real process, the way a container runs it. */
export function spawnRole(role: string, configDir: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'workers/main.ts'), role], {
    cwd: root,
    env: { ...process.env, CS_CONFIG_DIR: configDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

/** Waits until the consumer group has committed every partition up to the topic's end. */
export async function waitForGroupCaughtUp(kafka: Kafka, groupId: string, topic: string, timeoutMs = 120_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await eventually(
      `group ${groupId} caught up with ${topic}`,
      async () => {
        const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
        const at = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
        return ends.every((p) => BigInt(p.high) === BigInt(p.low) || (at.get(p.partition) ?? -1n) >= BigInt(p.high));
      },
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}
