import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../../../src/config/schema.ts';
import { writeConfigDir } from '../../support/workers.ts';

const root = resolve(import.meta.dirname, '../../..');

/** A browser's cookie jar for one person, kept by hand: the session cookie the API set. */
export class Browser {
  cookie = '';
  constructor(
    readonly url: string,
    /** The page's origin a browser sends with a change (the API checks it matches). */
    readonly origin: string | null = url,
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.origin && method !== 'GET' ? { origin: this.origin } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const set = response.headers.getSetCookie().find((c) => c.startsWith('cs_session='));
    if (set) this.cookie = set.split(';')[0]!;
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed as Record<string, unknown> & { error?: string }, headers: response.headers, setCookie: set ?? null };
  }

  async signIn(tenant: string, email: string, password: string) {
    return this.request('POST', '/v1/session', { tenant, email, password });
  }
}

/** `cs users add` as an operator runs it, the password on stdin; resolves to the new account id. */
export async function addUserWithCli(config: Config, args: string[], password: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/cs.js'), 'users', 'add', ...args], {
    cwd: root,
    env: { ...process.env, CS_CONFIG_DIR: writeConfigDir(config), CS_FROM_SOURCES: '1', LOG_LEVEL: 'silent' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(`${password}\n`);
  const code = await new Promise<number | null>((done) => child.once('close', done));
  return { code, stdout, stderr };
}

/** The accounts, sessions, throttles and keys of a test deployment. */
export async function dropAccounts(config: Config): Promise<void> {
  const redis = new Redis(config.redis.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `cs:acct:{${config.instance}}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
