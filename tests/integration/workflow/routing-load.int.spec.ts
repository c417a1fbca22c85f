import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routingKeys } from '../../../src/projections/keys.ts';
import { deadStepCount } from '../../../src/workflow/dead-steps.ts';
import type { WorkflowJobData } from '../../../src/workflow/trigger-queue.ts';
import { eventually } from '../../support/collect.ts';
import { baseTenant, startWorkflowEngine, TENANT, visitor } from './support.ts';

const SEATS = 12;
const ARRIVALS = 30;

let w: Awaited<ReturnType<typeof startWorkflowEngine>>;
beforeAll(async () => {
  w = await startWorkflowEngine(
    {
      ...baseTenant,
      routing: {
        ...baseTenant.routing!,
        agents: [
          { id: 'ann', name: 'Ann', teams: ['support'], languages: ['en'], capacity: { chat: SEATS, email: 5 } },
          { id: 'bob', name: 'Bob', teams: ['support'], languages: ['en'], capacity: { chat: SEATS, email: 5 } },
          { id: 'tia', name: 'Tia', teams: ['tier2'], languages: ['en'], capacity: { chat: 2, email: 5 } },
        ],
      },
      // No survey invitations: their later sending is a delayed job, and the spec waits for an idle queue.
      survey: { csat: { enabled: false }, nps: { enabled: false } },
    },
    // Many steps at once in one process: the drains of one tenant race for its lock.
    (c) => ({ ...c, workflow: { ...c.workflow, concurrency: 8 } }),
  );
});
afterAll(async () => {
  await w?.close();
});

const queue = () => w.workflow.queue;

/** Nothing left to run: no step waiting, delayed (waiting for the fold, or back-off) or running. */
async function settled(): Promise<boolean> {
  const counts = await queue().getJobCounts('waiting', 'prioritized', 'delayed', 'active');
  return Object.values(counts).every((n) => n === 0);
}

async function supportQueue(): Promise<string[]> {
  const r = await w.engine.api('GET', '/v1/queues/support?limit=200');
  return (r.body as { conversations: Array<{ id: string }> }).conversations.map((c) => c.id);
}

describe('routing under a burst of arrivals', () => {
  it('given many conversations arriving at once for one tenant with few agents, when the workflow runs 8 steps at once, then no step fails, every conversation is routed or queued, the seats fill exactly, and no step waits for the lock or spends a second attempt', async () => {
    await w.presence('ann', 'online');
    await w.presence('bob', 'online');
    await eventually('the presence folded and its drains run', settled);

    const ids = await Promise.all(Array.from({ length: ARRIVALS }, (_, i) => w.chat(visitor(`burst${i}`), `Hello, question number ${i} about my order`)));
    // Every arrival triaged, and each route step has run (the last ones may have been coalesced into a running drain).
    await eventually('every conversation triaged', async () => (await Promise.all(ids.map((id) => w.engine.conversation(id)))).every((c) => c.team === 'support'));
    // Every route step completed too: a step the fold asked for reaches the queue through the pump,
    // so an idle queue alone can come a moment before the last route steps were even pumped.
    const routesDone = async () => ((await queue().getJobs(['completed'], 0, -1)) as Array<Job<WorkflowJobData>>).filter((j) => j.data.trigger.kind === 'route').length;
    await eventually('the seats filled and the steps settled', async () => {
      const conversations = await Promise.all(ids.map((id) => w.engine.conversation(id)));
      return conversations.filter((c) => c.assignee !== null).length === 2 * SEATS && (await routesDone()) >= ARRIVALS && (await settled());
    });

    // No step failed, and none is dead.
    expect(await deadStepCount(queue())).toBe(0);
    // Routed or queued, never both, never neither; and no seat promised twice.
    const conversations = await Promise.all(ids.map((id) => w.engine.conversation(id)));
    const queued = new Set(await supportQueue());
    const held: Record<string, number> = {};
    for (const c of conversations) {
      expect(c.assignee !== null || queued.has(c.id), `${c.id} is neither assigned nor queued`).toBe(true);
      expect(c.assignee !== null && queued.has(c.id), `${c.id} is both assigned and queued`).toBe(false);
      if (c.assignee) held[c.assignee] = (held[c.assignee] ?? 0) + 1;
    }
    expect(held).toEqual({ ann: SEATS, bob: SEATS });
    expect(conversations.filter((c) => queued.has(c.id))).toHaveLength(ARRIVALS - 2 * SEATS);

    // Every step ran once: none was put back to wait (for the lock or the fold), none spent a second attempt.
    const jobs = (await queue().getJobs(['completed'], 0, -1)) as Array<Job<WorkflowJobData>>;
    const routes = jobs.filter((j) => j.data.trigger.kind === 'route');
    expect(routes).toHaveLength(ARRIVALS);
    for (const job of jobs) {
      expect(job.attemptsMade, `${job.id}: ${job.returnvalue}`).toBe(1);
      expect(job.data.waiting, `${job.id} was put back to wait`).toBeUndefined();
    }
    // The drains ran in turn: every lock let go, no request left behind.
    expect(await w.engine.harness.ctx.redis.exists(routingKeys(w.config.instance, TENANT).lock('support'), routingKeys(w.config.instance, TENANT).again('support'))).toBe(0);

    // Seats freed under the same concurrency: resolving all of Ann's conversations drains the queue to her.
    const anns = conversations.filter((c) => c.assignee === 'ann');
    await Promise.all(anns.map(async (c) => expect((await w.engine.api('POST', `/v1/conversations/${c.id}/resolve`, { by: { kind: 'agent', id: 'ann' } })).status).toBe(202)));
    const waiting = conversations.filter((c) => queued.has(c.id)).map((c) => c.id);
    await eventually('the queue drained to the seats freed', async () => {
      const after = await Promise.all(waiting.map((id) => w.engine.conversation(id)));
      return after.every((c) => c.assignee === 'ann') && (await settled());
    });
    expect(await supportQueue()).toEqual([]);
    expect(await deadStepCount(queue())).toBe(0);
  }, 90_000);
});
