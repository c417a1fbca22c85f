import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobId } from '../../../src/domain/fold/triggers.ts';
import { deadStepCount, type DeadStep } from '../../../src/workflow/dead-steps.ts';
import { jobOptions, type WorkflowJobData } from '../../../src/workflow/trigger-queue.ts';
import { eventually } from '../../support/collect.ts';
import { writeConfigDir } from '../../support/workers.ts';
import { baseTenant, startWorkflowEngine, TENANT, visitor } from './support.ts';

const root = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);

/** The workflow's clock, set behind or ahead by the spec (its decisions take time from it). */
let skewMs = 0;
let w: Awaited<ReturnType<typeof startWorkflowEngine>>;
let cs: (...args: string[]) => Promise<{ stdout: string; stderr: string; code: number }>;
beforeAll(async () => {
  w = await startWorkflowEngine(
    {
      ...baseTenant,
      // An hour to the first response: the timer the fold schedules does not come due while the spec runs.
      sla: { ...baseTenant.sla, policy: { warnShare: 0.5, targets: { firstResponse: { chat: { normal: '1h' } } } } },
      survey: { csat: { enabled: false }, nps: { enabled: false } },
    },
    undefined,
    { now: () => new Date(Date.now() + skewMs) },
  );
  const configDir = writeConfigDir(w.config);
  cs = async (...args) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(root, 'bin/cs.js'), ...args], { cwd: root, env: { ...process.env, CS_CONFIG_DIR: configDir, LOG_LEVEL: 'silent' } });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  };
});
afterAll(async () => {
  await w?.close();
});

const job = async (id: string) => (await w.workflow.queue.getJob(id)) as Job<WorkflowJobData>;
const dead = async (...args: string[]) => JSON.parse((await cs('steps', 'dead', '--json', ...args)).stdout) as DeadStep[];

describe('dead steps', () => {
  it('given a step failing for a real error, it is listed by cs steps dead, and cs steps retry runs it again', async () => {
    const id = await w.chat(visitor('late'), 'Hello, is anyone there?');
    const c = await w.engine.conversation(id, (x) => x.sla.firstResponseDueAt !== null && x.team !== null);
    const dueAt = c.sla.firstResponseDueAt!;

    // The first-response breach timer, run while the workflow's clock is before it: the step refuses
    // ("ran before"), a real error. One attempt, so it fails for good at once (the pump's timers get ten).
    const timerId = jobId('timer', 'spec', id);
    const data: WorkflowJobData = {
      tenant: TENANT,
      customer: c.customer,
      conversationId: id,
      partition: -1,
      offset: '-1',
      trigger: { kind: 'timer', timer: { tenant: TENANT, customer: c.customer, conversationId: id, kind: 'sla-breach', metric: 'firstResponse', dueAt, at: dueAt } },
    };
    await w.workflow.queue.add('timer', data, { ...jobOptions(timerId), attempts: 1 });
    await eventually('the step failed', async () => (await job(timerId)).finishedOn !== undefined);
    expect(await (await job(timerId)).getState()).toBe('failed');

    // Listed, with what an operator needs; counted for metrics.
    const listed = await dead('--tenant', TENANT);
    expect(listed).toEqual([{ id: timerId, step: 'timer', tenant: TENANT, customer: c.customer, conversation: id, reason: expect.stringContaining('ran before'), failedAt: expect.any(String), attempts: 1 }]);
    expect(Date.parse(listed[0]!.failedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(await dead('--tenant', 'another-tenant')).toEqual([]);
    const table = await cs('steps', 'dead');
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+step\s+tenant\s+conversation\s+failed at\s+attempts\s+reason$/);
    expect(table.stdout).toContain(timerId);
    expect(table.stderr).toContain('1 dead step');
    expect(await deadStepCount(w.workflow.queue)).toBe(1);
    expect(await deadStepCount(w.workflow.queue, 'another-tenant')).toBe(0);

    // Ids that are no dead step are refused, and nothing moves.
    const refused = await cs('steps', 'retry', 'no-such-step');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no-such-step');
    expect(await (await job(timerId)).getState()).toBe('failed');

    // The clock put right, the operator retries: the step runs again, from the start, and does its work.
    skewMs = Date.parse(dueAt) - Date.now() + 60_000;
    const retried = await cs('steps', 'retry', timerId);
    expect(retried.code).toBe(0);
    expect(retried.stdout.trim()).toBe(timerId);
    await eventually('the retried step done', async () => (await job(timerId)).returnvalue != null);
    const done = await job(timerId);
    expect(await done.getState()).toBe('completed');
    expect(done.returnvalue).toMatch(/^breached firstResponse/);
    expect(done.attemptsMade).toBe(1);
    await eventually('sla.breached published', () => w.ofType('sla.breached').some((e) => e.conversation === id && e.data.dueAt === dueAt));
    expect(await dead()).toEqual([]);
    expect(await deadStepCount(w.workflow.queue)).toBe(0);
  }, 60_000);
});
