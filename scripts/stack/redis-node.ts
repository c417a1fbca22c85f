import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen, readPid, stopFromPidFile, waitFor } from './process.ts';

export const redisPidFile = (dir: string) => join(dir, 'redis.pid');

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function installRedisServer(log: (line: string) => void): void {
  log('redis-server is not on PATH; installing it from Debian packages…');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const run = (args: string[]) => execFileSync(sudo[0] ?? args[0]!, sudo.length ? args : args.slice(1), { stdio: 'inherit' });
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', 'redis-server']);
}

/**
 * Uses the Redis at url when it answers; otherwise starts redis-server with its data under dir.
 * Returns true when it started one.
 */
export async function startRedis(url: URL, dir: string, log: (line: string) => void): Promise<boolean> {
  const host = url.hostname || '127.0.0.1';
  const port = Number(url.port || 6379);
  if (await portOpen(host, port)) return false;
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error(`REDIS_URL points at ${host}:${port}, which does not answer, and is not local`);
  }
  if (!hasRedisServer()) installRedisServer(log);
  mkdirSync(dir, { recursive: true });
  execFileSync('redis-server', [
    '--daemonize', 'yes',
    '--bind', '127.0.0.1',
    '--port', String(port),
    '--dir', dir,
    '--pidfile', redisPidFile(dir),
    '--logfile', join(dir, 'redis.log'),
    '--save', '',
    '--appendonly', 'no',
  ]);
  await waitFor(`Redis on ${host}:${port}`, () => portOpen(host, port), 20_000);
  return true;
}

export function ownRedisRunning(dir: string): boolean {
  return readPid(redisPidFile(dir)) !== undefined;
}

export function stopRedis(dir: string): Promise<boolean> {
  return stopFromPidFile(redisPidFile(dir), 10_000);
}
