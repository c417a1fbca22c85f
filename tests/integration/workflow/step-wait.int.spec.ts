import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobId, jobIds } from '../../../src/domain/fold/triggers.ts';
import { deadSteps } from '../../../src/workflow/dead-steps.ts';
import { jobOptions, type WorkflowJobData } from '../../../src/workflow/trigger-queue.ts';
import { eventually } from '../../support/collect.ts';
import { baseTenant, startWorkflowEngine, TENANT, visitor } from './support.ts';

/** Short, so the spec sees a step give up; the role's default is ten minutes. */
const FOLD_WAIT_LIMIT_MS = 6000;

let w: Awaited<ReturnType<typeof startWorkflowEngine>>;
beforeAll(async () => {
  w = await startWorkflowEngine(baseTenant, undefined, { foldWaitLimitMs: FOLD_WAIT_LIMIT_MS });
});
afterAll(async () => {
  await w?.close();
});

/** A conversation folded and triaged, its customer, and the fold's position for that customer now. */
async function conversationAt(who: string) {
  const id = await w.chat(who, 'Hello, where is my order?');
  const c = await w.engine.conversation(id, (x) => x.category !== null);
  const triage = (await w.workflow.queue.getJob(jobIds.triage(id))) as Job<WorkflowJobData>;
  const scope = await w.engine.reader.scope(TENANT);
  const pos = BigInt((await w.engine.harness.ctx.redis.hget(scope.keys.fold(TENANT, c.customer), 'pos'))!);
  return { id, customer: c.customer, partition: triage.data.partition, pos };
}

/** A triage step asked for by an event the fold has not reached: `ahead` offsets past what it has. */
async function stepAhead(at: Awaited<ReturnType<typeof conversationAt>>, ahead: bigint, name: string): Promise<string> {
  const id = jobId('triage', at.id, name);
  const data: WorkflowJobData = {
    tenant: TENANT,
    customer: at.customer,
    conversationId: at.id,
    partition: at.partition,
    offset: String(at.pos + ahead),
    trigger: { kind: 'triage', jobId: id, conversationId: at.id, at: new Date().toISOString() },
  };
  await w.workflow.queue.add('triage', data, jobOptions(id));
  return id;
}

const job = async (id: string) => (await w.workflow.queue.getJob(id)) as Job<WorkflowJobData>;

describe('a step that cannot run yet', () => {
  it('given a step whose event the fold has not reached, it waits without spending an attempt, and runs once the fold catches up', async () => {
    const who = visitor('behind');
    const at = await conversationAt(who);
    const id = await stepAhead(at, 2n, 'behind');

    // Put back again and again (50 ms, growing to 500 ms), attempts untouched.
    await eventually('the step put back a few times', async () => ((await job(id)).data.waiting?.times ?? 0) >= 4);
    const waiting = await job(id);
    expect(waiting.attemptsMade).toBe(0);
    expect(['delayed', 'waiting', 'active']).toContain(await waiting.getState());

    // The customer writes twice: the fold passes the step's offset, and the step runs, once.
    await w.chat(who, 'Any news?');
    await w.chat(who, 'Hello?');
    await eventually('the step done', async () => (await job(id)).finishedOn !== undefined);
    const done = await job(id);
    expect(await done.getState()).toBe('completed');
    expect(done.returnvalue).toBe('already triaged');
    expect(done.attemptsMade).toBe(1);
    expect(done.data.waiting!.times).toBeGreaterThanOrEqual(4);
  });

  it('given a step whose event the fold never reaches, it gives up after the limit, for good and saying why, without retries', async () => {
    const at = await conversationAt(visitor('never'));
    const id = await stepAhead(at, 1_000_000n, 'never');
    const started = Date.now();
    await eventually('the step failed', async () => (await job(id)).finishedOn !== undefined, FOLD_WAIT_LIMIT_MS + 20_000);
    const failed = await job(id);
    expect(await failed.getState()).toBe('failed');
    expect(Date.now() - started).toBeGreaterThanOrEqual(FOLD_WAIT_LIMIT_MS);
    // One attempt, the one that gave up: waiting spent none, and giving up is not retried.
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(new RegExp(`^gave up after waiting \\d+ s for the fold: projection of ${TENANT}/${at.customer} has not reached offset ${at.pos + 1_000_000n}$`));
    expect(await deadSteps(w.workflow.queue, { tenant: TENANT })).toEqual([
      { id, step: 'triage', tenant: TENANT, customer: at.customer, conversation: at.id, reason: failed.failedReason, failedAt: new Date(failed.finishedOn!).toISOString(), attempts: 1 },
    ]);
  }, 40_000);
});
