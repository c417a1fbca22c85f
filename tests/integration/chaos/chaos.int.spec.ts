import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

let running: ChildProcess | null = null;
afterEach(async () => {
  // A spec that timed out: SIGTERM lets the harness stop its roles and remove its topics and keys.
  const child = running;
  running = null;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('close', done));
  }
}, 60_000);

/**
 * `npm run chaos -- --short` as a process, the way an operator runs it: the roles as processes on
 * the shared broker with names of their own, about 30 s of signed webhooks and agent replies, every
 * role SIGKILLed once and restarted, then the invariants. It exits 0 only when every one held.
 */
describe('npm run chaos -- --short', () => {
  it('kills every role once under load and loses, duplicates and fails nothing', async () => {
    // Every role must come back, but how fast is a speed target (15 s by default, `npm run chaos`
    // measures it): on a busy two-core machine a restart alone can take half a minute, so the spec
    // holds recovery to a bound that says "recovered", not "fast".
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/chaos.ts'), '--short', '--max-recovery', '120'], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running = child;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('close', done));
    // The harness's table says which invariant failed and why.
    expect(code, output).toBe(0);
    expect(output).toMatch(/^chaos: PASS$/m);
    for (const role of ['api', 'fold-bridge', 'fold-worker-1', 'fold-worker-2', 'workflow', 'outbound']) expect(output).toContain(`SIGKILL ${role} `);
  }, 240_000);
});
