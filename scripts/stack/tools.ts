import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * External tools the stack and the specs run (java, mvn, redis-server, chromium, apt-get): finding
 * them, installing Debian packages when allowed, and saying in a sentence what is missing and how
 * to get it instead of a bare `spawn … ENOENT`.
 */

/** A tool the project needs is missing; the message names it and how to get it. */
export class MissingToolError extends Error {
  constructor(
    readonly tool: string,
    message: string,
  ) {
    super(message);
    this.name = 'MissingToolError';
  }
}

export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable `name` resolves to on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** The path of `name` on PATH; throws a MissingToolError with `missing` as its message otherwise. */
export function requireTool(name: string, missing: string): string {
  const path = onPath(name);
  if (!path) throw new MissingToolError(name, missing);
  return path;
}

/** Turns a spawn failure into a sentence when the executable is missing; other errors pass through. */
export function explainSpawnError(err: unknown, tool: string, missing: string): Error {
  if ((err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return new MissingToolError(tool, missing);
  return err instanceof Error ? err : new Error(String(err));
}

/** Installing is off when STACK_NO_INSTALL=1: missing tools are then reported, never installed. */
export const installingAllowed = () => process.env.STACK_NO_INSTALL !== '1';

/** Why a Debian package could not be installed, as a clause ("not running as root and sudo is not available"). */
export class CannotInstallError extends Error {
  constructor(
    readonly pkg: string,
    readonly reason: string,
  ) {
    super(`could not install the Debian package ${pkg}: ${reason}`);
    this.name = 'CannotInstallError';
  }
}

/** Runs a command with its output collected; rejects with the tail of the output when it fails. */
function runQuietly(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => reject(explainSpawnError(err, command, `${command} was not found on PATH`)));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      const lastLines = output.trim().split('\n').slice(-5).join(' | ');
      reject(new Error(`\`${[command, ...args].join(' ')}\` ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${lastLines ? `: ${lastLines}` : ''}`));
    });
  });
}

/** Why Debian packages cannot be installed here, as a clause; undefined when they can. */
export function installBlocker(): string | undefined {
  if (!installingAllowed()) return 'STACK_NO_INSTALL=1 forbids installing packages';
  if (!onPath('apt-get')) return 'there is no apt-get on PATH, so this is not a Debian-based system';
  if (process.getuid?.() !== 0 && !onPath('sudo')) return 'not running as root, and sudo is not available';
  return undefined;
}

/**
 * Installs a Debian package (without its recommendations: no desktop daemons for a headless
 * browser) with apt-get, non-interactively, as root or through sudo. Throws a CannotInstallError
 * whose reason says why it could not (see installBlocker, or apt-get failing).
 */
export async function installDebianPackage(pkg: string): Promise<void> {
  const blocker = installBlocker();
  if (blocker) throw new CannotInstallError(pkg, blocker);
  const root = process.getuid?.() === 0;
  // Wait for another apt-get holding the lock rather than failing at once.
  const aptGet = (...args: string[]) => ['apt-get', '-o', 'DPkg::Lock::Timeout=300', ...args];
  const asRoot = (args: string[]) =>
    root
      ? runQuietly(args[0]!, args.slice(1), { ...process.env, DEBIAN_FRONTEND: 'noninteractive' })
      : runQuietly('sudo', ['DEBIAN_FRONTEND=noninteractive', ...args], process.env);
  try {
    await asRoot(aptGet('update', '-qq'));
    await asRoot(aptGet('install', '-y', '-qq', '--no-install-recommends', pkg));
  } catch (err) {
    throw new CannotInstallError(pkg, err instanceof Error ? err.message : String(err));
  }
}
