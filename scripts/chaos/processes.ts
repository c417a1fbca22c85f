/**
 * The engine's roles as real processes (`node --import tsx workers/main.ts <role>` with a config
 * folder, as a container runs them), each logging to a file of its own, and a supervisor that acts
 * as an orchestrator: a role that dies without being told to is restarted after a pause (with a
 * crash-loop back-off), and every such exit is recorded, since a role should not die by itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve(import.meta.dirname, '../..');

/**
 * Variables that override config keys (src/config/load.ts): a role must read the run's config
 * folder only, never the operator's KAFKA_BROKERS (the shared broker) or queue names.
 */
const OVERRIDES = /^(KAFKA_|REDIS_URL$|CS_INSTANCE$|CS_CONFIG_DIR$|FOLD_|OUTBOUND_|HTTP_PORT$|LOG_LEVEL$)/;

export function roleEnv(configDir: string, logLevel: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!OVERRIDES.test(key)) env[key] = value;
  return { ...env, CS_CONFIG_DIR: configDir, LOG_LEVEL: logLevel };
}

export interface UnplannedExit {
  role: string;
  at: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SupervisorOptions {
  configDir: string;
  logDir: string;
  logLevel: string;
  /** Pause before restarting a role that died (planned kills pass their own). */
  pauseMs: number;
  /** Milliseconds since the run started. */
  clock(): number;
  say(line: string): void;
  /** Told whenever the set of pids changes (the run records them for a later sweep). */
  onPids(pids: number[]): void;
}

export class RoleProcess {
  child: ChildProcess | null = null;
  starts = 0;
  kills = 0;
  private planned = false;
  private crashes = 0;
  private exitWaiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly role: string,
    private readonly supervisor: Supervisor,
  ) {}

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  start(): void {
    if (this.running) return;
    const o = this.supervisor.options;
    const log = openSync(join(o.logDir, `${this.name}.log`), 'a');
    const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', join(root, 'workers/main.ts'), this.role], {
      cwd: root,
      env: roleEnv(o.configDir, o.logLevel),
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.starts++;
    this.planned = false;
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    this.supervisor.pidsChanged();
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    const waiters = this.exitWaiters.splice(0);
    for (const wake of waiters) wake();
    this.supervisor.pidsChanged();
    if (this.planned || this.supervisor.stopping) return;
    this.crashes++;
    const s = this.supervisor;
    s.unplanned.push({ role: this.name, at: s.options.clock(), code, signal });
    const backoff = Math.min(10_000, s.options.pauseMs * 2 ** Math.min(this.crashes - 1, 4));
    s.options.say(`${this.name} exited by itself (code ${code}, signal ${signal}); restarting in ${(backoff / 1000).toFixed(1)} s, as an orchestrator would`);
    void sleep(backoff).then(() => {
      if (!s.stopping && !this.running) this.start();
    });
  }

  private waitExit(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((r) => this.exitWaiters.push(r));
  }

  /** SIGKILL; resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.planned = true;
    this.kills++;
    this.child!.kill('SIGKILL');
    await this.waitExit();
  }

  /** SIGTERM (its consumers leave their groups), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.planned = true;
    this.child!.kill('SIGTERM');
    const gone = await Promise.race([this.waitExit().then(() => true), sleep(graceMs).then(() => false)]);
    if (!gone && this.running) {
      this.child!.kill('SIGKILL');
      await this.waitExit();
    }
  }
}

export class Supervisor {
  readonly roles: RoleProcess[] = [];
  readonly unplanned: UnplannedExit[] = [];
  stopping = false;

  constructor(readonly options: SupervisorOptions) {}

  add(name: string, role: string): RoleProcess {
    const process = new RoleProcess(name, role, this);
    this.roles.push(process);
    return process;
  }

  get(name: string): RoleProcess {
    const found = this.roles.find((r) => r.name === name);
    if (!found) throw new Error(`no role process ${name}`);
    return found;
  }

  pidsChanged(): void {
    this.options.onPids(this.roles.map((r) => r.pid).filter((pid): pid is number => pid !== undefined));
  }

  startAll(): void {
    for (const role of this.roles) role.start();
  }

  /** Stops every role, at once (SIGTERM, then SIGKILL after the grace). */
  async stopAll(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    await Promise.all(this.roles.map((r) => r.stop(graceMs)));
  }
}
