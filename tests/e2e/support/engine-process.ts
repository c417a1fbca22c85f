import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../../src/config/schema.ts';
import { spawnRole, writeConfigDir } from '../../support/workers.ts';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EngineProcess {
  child: ChildProcess;
  /** http://<http.host>:<http.port> of the engine's API. */
  url: string;
  configDir: string;
  /** Resolves when the process has exited, however it ended. */
  exit: Promise<ProcessExit>;
  /**
   * Sends `signal` and waits up to `withinMs` for the exit; `ms` is how long the stop took. When
   * the process is still there after that, it is killed (SIGKILL) and `timedOut` is true.
   */
  stop(signal?: NodeJS.Signals, withinMs?: number): Promise<ProcessExit & { ms: number; timedOut: boolean }>;
  /**
   * Stops the process if it still runs (for cleanup after a failed test) and removes the config
   * folder. SIGTERM first, so its consumers leave their groups and the groups can be deleted (a
   * killed member holds its group until the session times out); SIGKILL if that takes too long.
   */
  dispose(): Promise<void>;
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/**
 * Starts an engine role as a real process (`node workers/main.ts <role>` with a config folder of
 * its own, as a container runs it) and waits until `GET /healthz` answers 200. Fails at once if
 * the process exits before that.
 */
export async function startEngineProcess(role: string, config: Config, options: { readyWithinMs?: number } = {}): Promise<EngineProcess> {
  const configDir = writeConfigDir(config);
  const child = spawnRole(role, configDir);
  const exit = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://${config.http.host}:${config.http.port}`;

  const engine: EngineProcess = {
    child,
    url,
    configDir,
    exit,
    async stop(signal = 'SIGTERM', withinMs = 30_000) {
      const started = performance.now();
      if (running(child)) child.kill(signal);
      const outcome = await Promise.race([exit, sleep(withinMs).then(() => null)]);
      if (outcome) return { ...outcome, ms: Math.round(performance.now() - started), timedOut: false };
      child.kill('SIGKILL');
      return { ...(await exit), ms: Math.round(performance.now() - started), timedOut: true };
    },
    async dispose() {
      if (running(child)) await engine.stop('SIGTERM', 15_000);
      rmSync(configDir, { recursive: true, force: true });
    },
  };

  const deadline = performance.now() + (options.readyWithinMs ?? 45_000);
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    if (!running(child)) {
      const { code, signal } = await exit;
      await engine.dispose();
      throw new Error(`engine role ${role} exited before it was healthy (code ${code}, signal ${signal})`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return engine;
      last = `HTTP ${response.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(100);
  }
  await engine.dispose();
  throw new Error(`engine role ${role} not healthy at ${url}/healthz in time (${last})`);
}
