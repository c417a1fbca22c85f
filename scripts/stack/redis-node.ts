import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen, readPid, stopFromPidFile, waitFor } from './process.ts';
import { CannotInstallError, MissingToolError, installBlocker, installDebianPackage } from './tools.ts';

export const redisPidFile = (dir: string) => join(dir, 'redis.pid');

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

const HOW_TO_GET_REDIS = 'install it with `apt-get install redis-server` (or your system\'s Redis package) or set REDIS_URL to a Redis that answers';

async function installRedisServer(log: (line: string) => void): Promise<void> {
  const missing = "redis-server is needed for the local stack's Redis and was not found";
  const blocker = installBlocker();
  if (blocker) throw new MissingToolError('redis-server', `${missing}, and it cannot be installed here (${blocker}); ${HOW_TO_GET_REDIS}.`);
  log('redis-server is not on PATH; installing it from Debian packages…');
  try {
    await installDebianPackage('redis-server');
  } catch (err) {
    const reason = err instanceof CannotInstallError ? err.reason : String(err);
    throw new MissingToolError('redis-server', `${missing}, and it could not be installed (${reason}); ${HOW_TO_GET_REDIS}.`);
  }
  if (!hasRedisServer()) {
    throw new MissingToolError('redis-server', `redis-server is needed for the local stack's Redis and is still not on PATH after installing Debian's redis-server; ${HOW_TO_GET_REDIS}.`);
  }
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
  if (!hasRedisServer()) await installRedisServer(log);
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
