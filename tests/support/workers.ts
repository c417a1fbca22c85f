import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Config } from '../../src/config/schema.ts';

const root = resolve(import.meta.dirname, '../..');

/** A config folder holding exactly this config, for a worker process of its own. */
export function writeConfigDir(config: Config): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
  writeFileSync(join(dir, 'default.yaml'), stringify(config));
  return dir;
}

/** Starts an engine role as a real process, the way a container runs it. */
export function spawnRole(role: string, configDir: string, env: Record<string, string> = {}): ChildProcess {
  // ROLE_NODE_ARGS: extra node flags for the role processes (say `--cpu-prof` when profiling a benchmark).
  // The young generation's size is the image's (Dockerfile), so benchmarks measure roles as deployed.
  const nodeArgs = ['--max-semi-space-size=64', ...(process.env.ROLE_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(root, 'workers/main.ts'), role], {
    cwd: root,
    // No metrics port unless asked: several role processes of a spec (or of parallel specs) share the machine.
    env: { ...process.env, CS_CONFIG_DIR: configDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn', METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

export { waitForGroupCaughtUp } from '../../src/log/group-lag.ts';
