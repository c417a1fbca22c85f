import { Queue, Worker, type Job, type JobType } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import { foldPolicies } from '../../../src/config/policies.ts';
import type { Config } from '../../../src/config/schema.ts';
import { conversationIdFor } from '../../../src/domain/fold/conversation.ts';
import { parseTimerMember } from '../../../src/domain/fold/timers.ts';
import { jobIds } from '../../../src/domain/fold/triggers.ts';
import { foldBatch, type PositionedEvent } from '../../../src/fold/fold-batch.ts';
import { ProjectionStore, type CommitOutcome, type CommitRequest } from '../../../src/projections/store.ts';
import { queuePrefix } from '../../../src/queues/names.ts';
import { stepPump } from '../../../src/workflow/step-pump.ts';
import type { WorkflowJobData } from '../../../src/workflow/trigger-queue.ts';
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
const namespaces: string[] = [];

beforeEach(() => {
  config = testConfig();
  redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  queue = new Queue<WorkflowJobData>(config.fold.workflowQueue, { connection: redis, prefix: queuePrefix(config.fold.workflowQueue) });
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

/** A store whose process dies before its commit reaches Redis. */
class CrashBeforeCommit extends ProjectionStore {
  commits = 0;
  override async commit(_requests: readonly CommitRequest[]): Promise<CommitOutcome[]> {
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
  /** Each transition's job: id, kind, and the offset of the event that caused it. Timers are not jobs (see the timers spec). */
  const expected = [
    { id: jobIds.triage(conversation), kind: 'triage', offset: batch[0]!.offset },
    { id: jobIds.survey(conversation, 0), kind: 'survey', offset: batch[3]!.offset },
  ];
  return { tenant, customer, conversation, events, batch, autoResolveDueAt, expected };
}

const fold = (s: ProjectionStore, events: readonly PositionedEvent[]) =>
  foldBatch({ store: s, partition: PARTITION, events, policies: foldPolicies(config.tenants), asksForSteps: true });

/** One pass of the workflow role's pump over a namespace's steps set. */
const pump = (s: ProjectionStore) => stepPump({ redis, instance: config.instance, fallbackNamespace: s.namespace, queue }).pumpOnce();

const stepsOf = (s: ProjectionStore) => redis.zrange(s.keys.steps, '0', '-1');

async function jobsInQueue(): Promise<Array<Job<WorkflowJobData>>> {
  const byId = (a: Job, b: Job) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0);
  return (await queue.getJobs(ALL_STATES)).sort(byId);
}

/** Exactly one job per transition, each with its deterministic id and the position that asked for it. */
async function expectOneJobPerTransition(s: ReturnType<typeof scenario>) {
  const counts = await queue.getJobCounts(...ALL_STATES);
  expect(counts).toMatchObject({ waiting: 2, delayed: 0, active: 0, completed: 0, failed: 0, prioritized: 0 });
  const jobs = await jobsInQueue();
  expect(jobs.map((j) => j.id)).toEqual(s.expected.map((e) => e.id).sort());
  for (const want of s.expected) {
    const job = jobs.find((j) => j.id === want.id)!;
    expect(job.name).toBe(want.kind);
    expect(job.data).toMatchObject({ tenant: s.tenant, customer: s.customer, conversationId: s.conversation, partition: PARTITION, offset: want.offset });
    expect(job.data.trigger).toMatchObject({ kind: want.kind, jobId: want.id, conversationId: s.conversation });
  }
}

describe('the fold hands state transitions to the workflow queue', () => {
  it('writes the steps with the commit, and the pump makes one job per transition however often the batch is folded or pumped', async () => {
    const s = scenario();
    const live = store('live');

    const first = await fold(live, s.batch);
    expect(first).toMatchObject({ customers: 1, applied: 4, alreadyApplied: 0, duplicates: 0 });
    // Nothing is queued by the fold itself: the steps sit next to the state that asked for them.
    expect(await queue.count()).toBe(0);
    expect((await stepsOf(live)).map((m) => (JSON.parse(m) as { trigger: { jobId: string } }).trigger.jobId).sort()).toEqual(s.expected.map((e) => e.id).sort());
    expect(await pump(live)).toBe(2);
    await expectOneJobPerTransition(s);
    expect(await stepsOf(live)).toEqual([]);

    // The same batch again (the bridge re-sent it after the job had already committed): nothing new.
    const again = await fold(live, s.batch);
    expect(again).toMatchObject({ customers: 1, applied: 0, alreadyApplied: 4 });
    expect(await stepsOf(live)).toEqual([]);
    await expectOneJobPerTransition(s);

    // The conversation went through the whole story in the projection.
    const [conversation] = await live.readConversations(s.tenant, s.customer, [s.conversation]);
    expect(conversation).toMatchObject({ status: 'resolved', messageCount: 3, resolution: { by: 'agent', actorId: 'agent-7' } });
  });

  it('asks for nothing when the worker dies before the commit, and everything once when the batch is folded again', async () => {
    const s = scenario();
    const live = store('live');
    const crashing = new CrashBeforeCommit(redis, live.namespace);
    await expect(fold(crashing, s.batch)).rejects.toThrow('worker killed before the commit');
    expect(crashing.commits).toBe(1);
    expect(await stepsOf(live)).toEqual([]);
    expect(await pump(live)).toBe(0);

    expect(await fold(live, s.batch)).toMatchObject({ applied: 4, alreadyApplied: 0 });
    await pump(live);
    await expectOneJobPerTransition(s);
  });

  it('asks once when batches are re-delivered overlapping, and a pump that died between queueing and removing queues nothing twice', async () => {
    const s = scenario();
    const live = store('live');
    expect(await fold(live, s.batch.slice(0, 2))).toMatchObject({ applied: 2 });
    expect(await fold(live, s.batch)).toMatchObject({ applied: 2, alreadyApplied: 2 });
    expect(await fold(live, s.batch.slice(2))).toMatchObject({ applied: 0, alreadyApplied: 2 });
    const members = await stepsOf(live);
    expect(members).toHaveLength(2);
    await pump(live);
    await expectOneJobPerTransition(s);
    // The pump died after adding the jobs, before removing the members: the next pass adds the same ids.
    for (const m of members) await redis.zadd(live.keys.steps, 0, m);
    expect(await pump(live)).toBe(2);
    await expectOneJobPerTransition(s);
  });

  it('adds no job again once the steps have run: a late re-fold finds the completed jobs by id', async () => {
    const s = scenario();
    const live = store('live');
    await fold(live, s.batch);
    await pump(live);
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
      await eventually('the steps completed', async () => (await queue.getJobCounts('completed')).completed === 2);
    } finally {
      await worker.close();
      connection.disconnect();
    }
    expect(ran.sort()).toEqual(s.expected.map((e) => e.id).sort());

    // The same events folded from scratch elsewhere (a fold that wrongly asked for steps) and pumped: the same ids, kept as completed.
    const again = store('again');
    await fold(again, s.batch);
    await pump(again);
    const counts = await queue.getJobCounts(...ALL_STATES);
    expect(counts).toMatchObject({ waiting: 0, delayed: 0, active: 0, completed: 2, failed: 0 });
  });

  it('keeps timers as projection state: added when a clock starts, moved when it moves, gone when the step happened', async () => {
    const s = scenario();
    const live = store('timers');
    const members = async () => (await redis.zrange(live.keys.timers, '0', '-1')).map((m) => parseTimerMember(m)).filter((t) => t.conversationId === s.conversation);

    await fold(live, s.batch.slice(0, 1));
    const opened = await members();
    expect(opened.map((t) => `${t.kind}:${t.metric ?? ''}`).sort()).toEqual(['auto-resolve:', 'sla-breach:firstResponse', 'sla-breach:resolution', 'sla-warning:firstResponse', 'sla-warning:resolution']);
    expect(opened.find((t) => t.kind === 'auto-resolve')!.at).toBe(s.autoResolveDueAt);

    // The agent answered: the first-response timers are moot and gone; the quiet window moved.
    await fold(live, s.batch.slice(1, 2));
    const answered = await members();
    expect(answered.map((t) => t.kind)).toEqual(['auto-resolve']);
    expect(Date.parse(answered[0]!.at)).toBe(Date.parse(s.events[1]!.time) + 24 * HOUR);

    await fold(live, s.batch.slice(2));
    expect(await members()).toEqual([]);
  });
});
