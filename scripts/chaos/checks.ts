/**
 * The invariants, checked once the deployment is quiet, each from the outside record of what
 * happened (the load's ledger, the provider stand-ins' calls) against the engine's own state (the
 * whole topic, the projections' transcripts, BullMQ's queues, a rebuild of the projections).
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { AnyEvent } from '../../events/index.ts';
import { fromRecord } from '../../src/log/record.ts';
import { projectionKeys } from '../../src/projections/keys.ts';
import { queuePrefix } from '../../src/queues/names.ts';
import { readTopic } from '../../src/replay/kafka-source.ts';
import { diffDumps, dropNamespace } from '../../tests/support/namespace.ts';
import { dumpNamespacePipelined } from '../../tests/support/namespace-dump.ts';
import { messageOfCall, type RecordedCall } from '../sim/providers.ts';
import { TENANT, type ChaosDeployment } from './deployment.ts';
import type { InboundRecord, Load, ReplyRecord } from './load.ts';
import { foldPositions, sum, type AdminLink } from './probes.ts';
import { roleEnv } from './processes.ts';
import { queueCounts } from './quiesce.ts';

const root = resolve(import.meta.dirname, '../..');

export interface TopicTally {
  records: number;
  unparsable: number;
  /** Records per event id. */
  byId: Map<string, number>;
  /** The first record of each event id. */
  first: Map<string, AnyEvent>;
  /** message.received records per provider message id. */
  byProviderMessageId: Map<string, AnyEvent[]>;
  /** Event ids on the topic more than once, by event type. */
  duplicatesByType: Map<string, number>;
  /** Per event id, when each of its records was appended (the records' timestamps, epoch ms). */
  appendedAt: Map<string, number[]>;
}

export async function tallyTopic(kafka: Kafka, topic: string): Promise<TopicTally> {
  const t: TopicTally = { records: 0, unparsable: 0, byId: new Map(), first: new Map(), byProviderMessageId: new Map(), duplicatesByType: new Map(), appendedAt: new Map() };
  await readTopic({
    kafka,
    topic,
    record(message) {
      t.records++;
      const parsed = fromRecord(message);
      if (!parsed.ok) {
        t.unparsable++;
        return;
      }
      const event = parsed.event;
      const times = t.appendedAt.get(event.id);
      if (times) times.push(Number(message.timestamp));
      else t.appendedAt.set(event.id, [Number(message.timestamp)]);
      const seen = (t.byId.get(event.id) ?? 0) + 1;
      t.byId.set(event.id, seen);
      if (seen === 1) t.first.set(event.id, event);
      if (seen === 2) t.duplicatesByType.set(event.type, (t.duplicatesByType.get(event.type) ?? 0) + 1);
      if (event.type === 'message.received' && event.data.providerMessageId) {
        const list = t.byProviderMessageId.get(event.data.providerMessageId) ?? [];
        list.push(event);
        t.byProviderMessageId.set(event.data.providerMessageId, list);
      }
    },
  });
  return t;
}

/** Transcript lines per event id, over every conversation of the tenant in a namespace. */
export async function tallyTranscripts(redis: Redis, namespace: string): Promise<{ conversations: number; lines: number; byEventId: Map<string, number> }> {
  const pattern = `cs:p:${namespace}:{${TENANT}/*}:transcript:*`;
  const byEventId = new Map<string, number>();
  let conversations = 0;
  let lines = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    if (keys.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.lrange(key, 0, -1);
    for (const [err, entries] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      conversations++;
      for (const line of entries as string[]) {
        lines++;
        const { eventId } = JSON.parse(line) as { eventId: string };
        byEventId.set(eventId, (byEventId.get(eventId) ?? 0) + 1);
      }
    }
  } while (cursor !== '0');
  return { conversations, lines, byEventId };
}

/** A call a provider stand-in took, and when (ms since the run started). */
export interface TimedCall {
  at: number;
  call: RecordedCall;
}

/** The calls that carried each reply marker; calls without one (the bot's answers) only counted. */
export function tallyDeliveries(calls: readonly TimedCall[]): { byMarker: Map<string, TimedCall[]>; other: number } {
  const byMarker = new Map<string, TimedCall[]>();
  let other = 0;
  for (const timed of calls) {
    const message = messageOfCall(timed.call);
    if (!message) continue;
    const marker = /\[chaos r\d+\]/.exec(message.text)?.[0];
    if (!marker) other++;
    else byMarker.set(marker, [...(byMarker.get(marker) ?? []), timed]);
  }
  return { byMarker, other };
}

/** A reply delivered more than once: how far apart, and whether each call carried the same idempotency key. */
function describeDuplicate(key: string, calls: readonly TimedCall[]): string {
  const gaps = calls.slice(1).map((c, i) => `${((c.at - calls[i]!.at) / 1000).toFixed(1)} s`);
  const tokens = new Set(calls.map((c) => c.call.idempotencyToken ?? ''));
  const keyed = tokens.size === 1 && !tokens.has('') ? 'same idempotency key' : 'no idempotency key (WhatsApp takes none)';
  return `${key} ×${calls.length} (${keyed}; apart ${gaps.join(', ')})`;
}

export interface MessageFindings {
  sent: number;
  accepted: number;
  gaveUp: number;
  rejected: number;
  lostOnTopic: string[];
  duplicatedOnTopic: string[];
  lostInProjections: string[];
  duplicatedInProjections: string[];
  /** Not accepted (given up), yet on the topic: the door appended it but never said so. */
  notAcceptedButOnTopic: string[];
  /** The event id the door derived differs from the one on the topic (a harness bug if ever > 0). */
  eventIdMismatches: string[];
  /** Event ids of the accepted messages on the topic more than once (for the timing of their copies). */
  duplicatedIds: string[];
  /** Refusals and last errors of what was not accepted, by text. */
  failures: Map<string, number>;
}

export interface ReplyFindings extends MessageFindings {
  delivered: number;
  undelivered: string[];
  duplicatedDeliveries: string[];
  /** Provider calls for messages other than agent replies (the bot's answers). */
  otherDeliveries: number;
}

function failures(records: ReadonlyArray<InboundRecord | ReplyRecord>): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) {
    if (r.outcome === 'accepted' || r.outcome === 'skipped') continue;
    const key = `${r.outcome}: ${r.detail ?? 'no answer'}`.replace(/[0-9a-fA-F]{16,}/g, '…');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

export function checkInbound(load: Load, topic: TopicTally, transcripts: Map<string, number>): MessageFindings {
  const f: MessageFindings = {
    sent: load.inbound.length,
    accepted: 0,
    gaveUp: 0,
    rejected: 0,
    lostOnTopic: [],
    duplicatedOnTopic: [],
    lostInProjections: [],
    duplicatedInProjections: [],
    notAcceptedButOnTopic: [],
    eventIdMismatches: [],
    duplicatedIds: [],
    failures: failures(load.inbound),
  };
  for (const r of load.inbound) {
    const onTopic = topic.byProviderMessageId.get(r.providerMessageId) ?? [];
    if (onTopic.some((e) => e.id !== r.eventId)) f.eventIdMismatches.push(r.providerMessageId);
    if (r.outcome === 'gave-up') f.gaveUp++;
    if (r.outcome === 'rejected') f.rejected++;
    if (r.outcome !== 'accepted') {
      if (onTopic.length > 0) f.notAcceptedButOnTopic.push(r.eventId);
      continue;
    }
    f.accepted++;
    if (onTopic.length === 0) f.lostOnTopic.push(r.eventId);
    if (onTopic.length > 1) {
      f.duplicatedOnTopic.push(`${r.eventId} ×${onTopic.length}`);
      f.duplicatedIds.push(r.eventId);
    }
    const lines = transcripts.get(r.eventId) ?? 0;
    if (lines === 0) f.lostInProjections.push(r.eventId);
    if (lines > 1) f.duplicatedInProjections.push(`${r.eventId} ×${lines}`);
  }
  return f;
}

export function checkReplies(load: Load, topic: TopicTally, transcripts: Map<string, number>, calls: readonly TimedCall[]): ReplyFindings {
  const deliveries = tallyDeliveries(calls);
  const f: ReplyFindings = {
    sent: load.replies.filter((r) => r.outcome !== 'skipped').length,
    accepted: 0,
    gaveUp: 0,
    rejected: 0,
    lostOnTopic: [],
    duplicatedOnTopic: [],
    lostInProjections: [],
    duplicatedInProjections: [],
    notAcceptedButOnTopic: [],
    eventIdMismatches: [],
    duplicatedIds: [],
    failures: failures(load.replies),
    delivered: 0,
    undelivered: [],
    duplicatedDeliveries: [],
    otherDeliveries: deliveries.other,
  };
  for (const r of load.replies) {
    if (r.outcome === 'skipped') continue;
    if (r.outcome === 'gave-up') f.gaveUp++;
    if (r.outcome === 'rejected') f.rejected++;
    const delivered = deliveries.byMarker.get(r.marker) ?? [];
    const calls = delivered.length;
    if (r.outcome !== 'accepted') {
      if (calls > 0) f.notAcceptedButOnTopic.push(`${r.key} (delivered ${calls}×)`);
      continue;
    }
    f.accepted++;
    const eventId = r.eventId ?? '';
    const records = topic.byId.get(eventId) ?? 0;
    if (records === 0) f.lostOnTopic.push(r.key);
    // The same Idempotency-Key sent again appends the same event id again (by design: the fold and
    // outbound keep one); reported, not a failure.
    if (records > 1) {
      f.duplicatedOnTopic.push(`${r.key} ×${records}`);
      f.duplicatedIds.push(eventId);
    }
    const lines = transcripts.get(eventId) ?? 0;
    if (lines === 0) f.lostInProjections.push(r.key);
    if (lines > 1) f.duplicatedInProjections.push(`${r.key} ×${lines}`);
    if (calls === 0) f.undelivered.push(r.key);
    else f.delivered++;
    if (calls > 1) f.duplicatedDeliveries.push(describeDuplicate(r.key, delivered));
  }
  return f;
}

/**
 * When the copies of duplicated events were appended, grouped by the faults that happened between
 * the first copy and the last: which fault made a retry append the same message again.
 */
export function duplicateTimings(ids: readonly string[], topic: TopicTally, faults: ReadonlyArray<{ target: string; at: number }>, epochAtStart: number): string[] {
  const groups = new Map<string, { n: number; first: number[]; again: number[] }>();
  for (const id of ids) {
    const times = (topic.appendedAt.get(id) ?? []).map((t) => t - epochAtStart).sort((a, b) => a - b);
    if (times.length < 2) continue;
    const first = times[0]!;
    const last = times.at(-1)!;
    const between = faults.filter((f) => f.at >= first - 1000 && f.at <= last).map((f) => `${f.target} at ${(f.at / 1000).toFixed(1)} s`);
    const key = between.length > 0 ? `fault between the copies: ${between.join(', ')}` : 'no fault between the copies';
    const g = groups.get(key) ?? { n: 0, first: [], again: [] };
    g.n++;
    g.first.push(first);
    g.again.push(...times.slice(1));
    groups.set(key, g);
  }
  const range = (xs: number[]) => `${(Math.min(...xs) / 1000).toFixed(1)}–${(Math.max(...xs) / 1000).toFixed(1)} s`;
  return [...groups].sort((a, b) => b[1].n - a[1].n).map(([key, g]) => `${g.n} × first appended ${range(g.first)}, again ${range(g.again)}; ${key}`);
}

export interface StepFindings {
  counts: Record<string, number>;
  /** Failed for good: BullMQ's failed set, by step and reason. */
  failed: Map<string, number>;
  /** Not done yet but retrying (delayed, or waiting and running again), by step and the reason of their last attempt. */
  waiting: Map<string, number>;
  /** Not done and never tried: queued work the deployment did not get to. */
  neverRan: number;
  notPumped: number;
  otherQueues: Record<string, Record<string, number>>;
}

export async function checkSteps(d: ChaosDeployment, redis: Redis): Promise<StepFindings> {
  const c = d.config;
  const name = c.fold.workflowQueue;
  const queue = new Queue(name, { connection: redis, prefix: queuePrefix(name) });
  try {
    const all = await queueCounts(redis, [name, c.fold.queue, c.outbound.queue]);
    const reasons = (jobs: Array<{ name: string; failedReason?: string } | undefined>) => {
      const out = new Map<string, number>();
      for (const job of jobs) {
        if (!job) continue;
        const key = `${job.name}: ${(job.failedReason ?? 'no reason given').replace(/[0-9a-fA-F]{16,}/g, '…').slice(0, 160)}`;
        out.set(key, (out.get(key) ?? 0) + 1);
      }
      return out;
    };
    const [failed, pending] = await Promise.all([queue.getFailed(0, 4999), queue.getJobs(['delayed', 'waiting', 'active', 'prioritized'], 0, 4999)]);
    const retrying = pending.filter((job) => job && job.attemptsMade > 0 && job.failedReason);
    return {
      counts: all[name]!,
      failed: reasons(failed),
      waiting: reasons(retrying),
      neverRan: pending.filter((job) => job && !(job.attemptsMade > 0 && job.failedReason)).length,
      notPumped: await redis.zcard(projectionKeys(c.fold.namespace).steps),
      otherQueues: { fold: all[c.fold.queue]!, outbound: all[c.outbound.queue]! },
    };
  } finally {
    await queue.close();
  }
}

export interface RebuildFindings {
  ran: boolean;
  equal: boolean;
  liveKeys: number;
  rebuiltKeys: number;
  differing: number;
  diffs: string[];
  note: string;
}

function runCs(args: string[], configDir: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/cs.js'), ...args], {
    cwd: root,
    env: { ...roleEnv(configDir, 'warn'), CS_FROM_SOURCES: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) => {
    child.once('error', (err) => done({ code: -1, out: String(err) }));
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

/**
 * `cs rebuild --no-switch` into a fresh namespace, compared key for key with the live one. The
 * topic must not grow in between (a late workflow step would make the two cover different logs):
 * if it did, the comparison is made again, up to three times.
 */
export async function checkRebuild(d: ChaosDeployment, configDir: string, link: AdminLink, redis: Redis): Promise<RebuildFindings> {
  const c = d.config;
  const topic = c.kafka.topics.events;
  const group = `${c.fold.consumerGroup}@${d.rebuildNamespace}`;
  const ends = async () => sum((await foldPositions(link, c.fold.consumerGroup, topic)).ends);
  let note = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const before = await ends();
    for (let waited = 0; waited < 60_000; waited += 250) {
      const { ends: e, committed } = await foldPositions(link, c.fold.consumerGroup, topic);
      if ([...e].every(([p, end]) => (committed.get(p) ?? -1n) >= end)) break;
      await sleep(250);
    }
    const live = await dumpNamespacePipelined(redis, c.fold.namespace);
    await dropNamespace(redis, d.rebuildNamespace);
    await link.use((admin) => admin.deleteGroups([group])).catch(() => undefined);
    const rebuild = await runCs(['rebuild', '--namespace', d.rebuildNamespace, '--no-switch'], configDir, 180_000);
    if (rebuild.code !== 0) return { ran: false, equal: false, liveKeys: live.size, rebuiltKeys: 0, differing: 0, diffs: [], note: `cs rebuild exited ${rebuild.code}: ${rebuild.out.trim().slice(-500)}` };
    const after = await ends();
    if (after !== before) {
      note = `the topic grew from ${before} to ${after} records during attempt ${attempt}; compared again`;
      continue;
    }
    const rebuilt = await dumpNamespacePipelined(redis, d.rebuildNamespace);
    let differing = 0;
    for (const [key, value] of live) if (rebuilt.get(key) !== value) differing++;
    for (const key of rebuilt.keys()) if (!live.has(key)) differing++;
    return {
      ran: true,
      equal: differing === 0,
      liveKeys: live.size,
      rebuiltKeys: rebuilt.size,
      differing,
      diffs: diffDumps(live, rebuilt, 8),
      note: `${rebuild.out.trim().split('\n').at(-1) ?? ''}${note ? `; ${note}` : ''}`,
    };
  }
  return { ran: false, equal: false, liveKeys: 0, rebuiltKeys: 0, differing: 0, diffs: [], note: `${note}: the topic never stood still long enough to compare` };
}
