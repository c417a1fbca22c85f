import { Queue, Worker, type Job, type JobType } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import { foldPolicies } from '../../../src/config/policies.ts';
import type { Config } from '../../../src/config/schema.ts';
import { conversationIdFor } from '../../../src/domain/fold/conversation.ts';
import { jobIds } from '../../../src/domain/fold/triggers.ts';
import { foldBatch, type PositionedEvent, type PositionedTrigger, type TriggerSink } from '../../../src/fold/fold-batch.ts';
import { ProjectionStore, type CommitRequest } from '../../../src/projections/store.ts';
import { queuePrefix } from '../../../src/queues/names.ts';
import { workflowTriggerSink, type WorkflowJobData } from '../../../src/workflow/trigger-queue.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { dropNamespace } from '../../support/namespace.ts';
import { obliterateQueues } from '../../support/teardown.ts';

const ALL_STATES: JobType[] = ['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized', 'waiting-children'];
const HOUR = 3_600_000;
const PARTITION = 2;

let config: Config;
let redis: Redis;
let queue: Queue<WorkflowJobData>;
let sink: TriggerSink;
const namespaces: string[] = [];

beforeEach(() => {
  config = testConfig();
  redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  queue = new Queue<WorkflowJobData>(config.fold.workflowQueue, { connection: redis, prefix: queuePrefix(config.fold.workflowQueue) });
  sink = workflowTriggerSink(queue);
});

afterEach(async () => {
  await queue.close();
  for (const ns of namespaces.splice(0)) await dropNamespace(redis, ns);
  await obliterateQueues(redis, [config.fold.workflowQueue]);
  redis.disconnect();
});

/** A projection namespace of this test, dropped afterwards. */
function store(suffix: string): ProjectionStore {
  const ns = `${config.fold.namespace}-${suffix}`;
  namespaces.push(ns);
  return new ProjectionStore(redis, ns);
}

/** A store whose process dies between enqueueing the triggers and committing the projection. */
class CrashBeforeCommit extends ProjectionStore {
  commits = 0;
  override async commit(_requests: readonly CommitRequest[]): Promise<boolean[]> {
    this.commits++;
    throw new Error('worker killed before the commit');
  }
}

/**
 * The support conversation of one customer, timed in the recent past (so the 24 h inactivity timer
 * is due in the future): she writes, an agent replies, she answers, the agent resolves.
 */
function scenario() {
  const tenant = 'acme';
  const customer = 'c-handoff';
  const t0 = Date.now() - 10 * 60_000;
  const time = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
  const base = { source: '/tests/workflow-handoff', tenant, customer } as const;
  const opened = createEvent({ ...base, type: 'message.received', time: time(0), data: { channel: 'email', provider: 'smtp', handle: 'ana@example.com', text: 'My parcel never came' } });
  const conversation = conversationIdFor(opened.id);
  const replied = createEvent({ ...base, type: 'message.sent', time: time(1), conversation, data: { channel: 'email', provider: 'smtp', author: { kind: 'agent', id: 'agent-7' }, text: 'Which order number?' } });
  const answered = createEvent({ ...base, type: 'message.received', time: time(2), data: { channel: 'email', provider: 'smtp', handle: 'ana@example.com', text: 'Order #1001' } });
  const resolved = createEvent({ ...base, type: 'conversation.resolved', time: time(3), conversation, data: { by: { kind: 'agent', id: 'agent-7' }, at: time(3), reason: 'agent' } });
  const events: AnyEvent[] = [opened, replied, answered, resolved];
  // Offsets as on a partition that already held other customers' events.
  const batch: PositionedEvent[] = events.map((event, i) => ({ offset: String(100 + i * 3), event }));
  const autoResolveDueAt = new Date(Date.parse(opened.time) + 24 * HOUR).toISOString();
  /** Each transition's job: id, kind, and the offset of the event that caused it. */
  const expected = [
    { id: jobIds.triage(conversation), kind: 'triage', offset: batch[0]!.offset },
    { id: jobIds.sla(conversation, opened.id), kind: 'sla', offset: batch[0]!.offset },
    { id: jobIds.autoResolve(conversation, autoResolveDueAt), kind: 'auto-resolve', offset: batch[0]!.offset },
    { id: jobIds.sla(conversation, answered.id), kind: 'sla', offset: batch[2]!.offset },
    { id: jobIds.survey(conversation, 0), kind: 'survey', offset: batch[3]!.offset },
  ];
  return { tenant, customer, conversation, events, batch, autoResolveDueAt, expected };
}

const fold = (s: ProjectionStore, events: readonly PositionedEvent[], triggers: TriggerSink = sink) =>
  foldBatch({ store: s, partition: PARTITION, events, policies: foldPolicies(config.tenants), triggers });

async function jobsInQueue(): Promise<Array<Job<WorkflowJobData>>> {
  const byId = (a: Job, b: Job) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0);
  return (await queue.getJobs(ALL_STATES)).sort(byId);
}

/** Exactly one job per transition, each with its deterministic id, data and timing. */
async function expectOneJobPerTransition(s: ReturnType<typeof scenario>) {
  const counts = await queue.getJobCounts(...ALL_STATES);
  expect(counts).toMatchObject({ waiting: 4, delayed: 1, active: 0, completed: 0, failed: 0, prioritized: 0 });
  const jobs = await jobsInQueue();
  expect(jobs.map((j) => j.id)).toEqual(s.expected.map((e) => e.id).sort());
  for (const want of s.expected) {
    const job = jobs.find((j) => j.id === want.id)!;
    expect(job.name).toBe(want.kind);
    expect(job.data).toMatchObject({ tenant: s.tenant, customer: s.customer, conversationId: s.conversation, partition: PARTITION, offset: want.offset });
    expect(job.data.trigger).toMatchObject({ kind: want.kind, jobId: want.id, conversationId: s.conversation });
  }
  for (const kind of ['triage', 'auto-resolve', 'survey']) expect(jobs.filter((j) => j.name === kind), kind).toHaveLength(1);
  expect(jobs.filter((j) => j.name === 'sla')).toHaveLength(2); // one per waiting period: the opening, the answer

  // The inactivity timer waits until its deadline; the other steps run at once.
  const timer = jobs.find((j) => j.name === 'auto-resolve')!;
  expect(await timer.getState()).toBe('delayed');
  expect(timer.data.trigger).toMatchObject({ kind: 'auto-resolve', dueAt: s.autoResolveDueAt });
  const dueMs = Date.parse(s.autoResolveDueAt);
  expect(timer.delay).toBeGreaterThan(23 * HOUR);
  expect(Math.abs(timer.timestamp + timer.delay - dueMs)).toBeLessThan(5000);
  for (const job of jobs.filter((j) => j !== timer)) {
    expect(job.delay).toBe(0);
    expect(await job.getState()).toBe('waiting');
  }
}

describe('the fold hands state transitions to the workflow queue', () => {
  it('asks once per transition however often the same batch is folded', async () => {
    const s = scenario();
    const live = store('live');

    const first = await fold(live, s.batch);
    expect(first).toMatchObject({ customers: 1, applied: 4, alreadyApplied: 0, duplicates: 0 });
    await expectOneJobPerTransition(s);

    // The same batch again (the bridge re-sent it after the job had already committed).
    const again = await fold(live, s.batch);
    expect(again).toMatchObject({ customers: 1, applied: 0, alreadyApplied: 4 });
    await expectOneJobPerTransition(s);

    // The conversation went through the whole story in the projection.
    const [conversation] = await live.readConversations(s.tenant, s.customer, [s.conversation]);
    expect(conversation).toMatchObject({ status: 'resolved', messageCount: 3, resolution: { by: 'agent', actorId: 'agent-7' } });
  });

  it('asks nothing twice when a worker dies after enqueueing but before the projection commit', async () => {
    const s = scenario();
    const live = store('live');
    const crashing = new CrashBeforeCommit(redis, live.namespace);

    await expect(fold(crashing, s.batch)).rejects.toThrow('worker killed before the commit');
    expect(crashing.commits).toBe(1);
    // The triggers were enqueued first, so nothing is lost; the projection did not move.
    await expectOneJobPerTransition(s);
    const [stored] = await live.readFolds([{ tenant: s.tenant, customer: s.customer }]);
    expect(stored!.pos).toBeNull();

    // The job is retried (BullMQ) or the batch re-sent (bridge): it folds from scratch and enqueues again.
    const retried = await fold(live, s.batch);
    expect(retried).toMatchObject({ applied: 4, alreadyApplied: 0 });
    await expectOneJobPerTransition(s);
    const [after] = await live.readFolds([{ tenant: s.tenant, customer: s.customer }]);
    expect(after!.pos).toBe(s.batch[3]!.offset);

    // A fresh namespace folded with the same queue (say, a rebuild that wrongly asked for triggers) adds nothing either.
    const other = await fold(store('other'), s.batch);
    expect(other).toMatchObject({ applied: 4 });
    await expectOneJobPerTransition(s);
  });

  it('asks nothing twice when batches are re-delivered overlapping, or the sink is called twice', async () => {
    const s = scenario();
    const live = store('live');
    const seen: PositionedTrigger[] = [];
    const recording: TriggerSink = {
      async enqueue(triggers) {
        seen.push(...triggers);
        await sink.enqueue(triggers);
      },
    };

    // The first half committed, then the whole run re-delivered (the commit of the offsets was lost), then the tail once more.
    expect(await fold(live, s.batch.slice(0, 2), recording)).toMatchObject({ applied: 2 });
    expect(await fold(live, s.batch, recording)).toMatchObject({ applied: 2, alreadyApplied: 2 });
    expect(await fold(live, s.batch.slice(2), recording)).toMatchObject({ applied: 0, alreadyApplied: 2 });
    // Each transition was asked for exactly once by the fold itself: already-applied events ask for nothing.
    expect(seen.map((t) => t.trigger.jobId).sort()).toEqual(s.expected.map((e) => e.id).sort());
    await expectOneJobPerTransition(s);

    // The sink itself is idempotent: the very same triggers enqueued again add no job.
    await sink.enqueue(seen);
    await sink.enqueue(seen);
    await expectOneJobPerTransition(s);
  });

  it('adds no job again once the steps have run: a late re-fold finds the completed jobs by id', async () => {
    const s = scenario();
    await fold(store('live'), s.batch);
    // A workflow worker runs the immediate steps; completed jobs are kept (a week) under their ids.
    const connection = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    const ran: string[] = [];
    const worker = new Worker<WorkflowJobData>(
      config.fold.workflowQueue,
      async (job) => {
        ran.push(String(job.id));
      },
      { connection, prefix: queuePrefix(config.fold.workflowQueue) },
    );
    try {
      await eventually('the immediate steps completed', async () => (await queue.getJobCounts('completed')).completed === 4);
    } finally {
      await worker.close();
      connection.disconnect();
    }
    expect(ran.sort()).toEqual(s.expected.filter((e) => e.kind !== 'auto-resolve').map((e) => e.id).sort());

    // The same events folded again from scratch (a crash before the commit, then the retry) ask for the same ids.
    await fold(store('again'), s.batch);
    const counts = await queue.getJobCounts(...ALL_STATES);
    expect(counts).toMatchObject({ waiting: 0, delayed: 1, active: 0, completed: 4, failed: 0 });
    expect((await jobsInQueue()).map((j) => j.id)).toEqual(s.expected.map((e) => e.id).sort());
  });
});
