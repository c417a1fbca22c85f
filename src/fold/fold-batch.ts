import { partitionKey, type AnyEvent } from '../../events/index.ts';
import { applyEvent, missingConversations, noEffects, type CustomerFold, type FoldEffects } from '../domain/fold/customer-fold.ts';
import type { FoldPolicies } from '../domain/fold/policy.ts';
import type { WorkflowTrigger } from '../domain/fold/triggers.ts';
import { indexEntry, type IndexEntry } from '../projections/index-entries.ts';
import { TRANSCRIPT_LIMIT } from '../projections/keys.ts';
import type { CommitOp, CommitRequest, ProjectionStore } from '../projections/store.ts';

export interface PositionedEvent {
  offset: string;
  event: AnyEvent;
}

/** A workflow trigger with the log position that caused it: its job waits until the projection has it. */
export interface PositionedTrigger {
  trigger: WorkflowTrigger;
  tenant: string;
  customer: string;
  partition: number;
  offset: string;
}

export interface TriggerSink {
  /** Idempotent (deterministic job ids): called before the commit, so a crash in between loses nothing. */
  enqueue(triggers: readonly PositionedTrigger[]): Promise<void>;
}

export interface FoldBatchResult {
  customers: number;
  applied: number;
  /** Events at or below a customer's applied position: delivered again after a crash or retry. */
  alreadyApplied: number;
  duplicates: number;
  conflicts: number;
}

interface CustomerWork {
  tenant: string;
  customer: string;
  events: PositionedEvent[];
}

const MAX_CONFLICT_ROUNDS = 10;

function groupByCustomer(events: readonly PositionedEvent[]): CustomerWork[] {
  const groups = new Map<string, CustomerWork>();
  for (const e of events) {
    const key = partitionKey(e.event);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { tenant: e.event.tenant, customer: e.event.customer, events: [] }));
    group.events.push(e);
  }
  return [...groups.values()];
}

/**
 * Folds one partition's contiguous batch into the projections: per customer, read state and
 * position, apply only the events after that position, write state + position + indexes in one
 * Lua script that checks the position did not move meanwhile. Exactly-once effect on
 * at-least-once delivery; a customer's events stay in log order.
 */
export async function foldBatch(input: {
  store: ProjectionStore;
  partition: number;
  events: readonly PositionedEvent[];
  policies: FoldPolicies;
  triggers?: TriggerSink;
}): Promise<FoldBatchResult> {
  const result: FoldBatchResult = { customers: 0, applied: 0, alreadyApplied: 0, duplicates: 0, conflicts: 0 };
  let pending = groupByCustomer(input.events);
  result.customers = pending.length;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_CONFLICT_ROUNDS) throw new Error(`fold: ${pending.length} customers kept changing under this batch`);
    const stored = await input.store.readFolds(pending);
    const fresh = pending.map((group, i) => {
      const pos = stored[i]!.pos;
      const after = pos === null ? -1n : BigInt(pos);
      return group.events.filter((e) => BigInt(e.offset) > after);
    });
    // The conversations the events can touch: the open one, and any an event names.
    const needed = await input.store.readConversationsOfMany(
      pending.map((group, i) => {
        const fold = stored[i]!.fold;
        const ids = new Set(missingConversations(fold, fresh[i]!.map((e) => e.event)));
        const open = fold.customer?.openConversationId;
        if (open) ids.add(open);
        return { tenant: group.tenant, customer: group.customer, ids: fresh[i]!.length > 0 ? [...ids] : [] };
      }),
    );
    const requests: CommitRequest[] = [];
    const work: CustomerWork[] = [];
    const triggers: PositionedTrigger[] = [];
    const tallies: Array<{ applied: number; duplicates: number; alreadyApplied: number }> = [];
    for (let i = 0; i < pending.length; i++) {
      const group = pending[i]!;
      const { pos, fold } = stored[i]!;
      const todo = fresh[i]!;
      const tally = { applied: 0, duplicates: 0, alreadyApplied: group.events.length - todo.length };
      if (todo.length === 0) {
        result.alreadyApplied += tally.alreadyApplied;
        continue;
      }
      for (const c of needed[i]!) fold.conversations[c.id] = c;

      const before = snapshot(fold);
      const effects = noEffects();
      const policy = input.policies(group.tenant);
      for (const e of todo) {
        const firstTrigger = effects.triggers.length;
        applyEvent(fold, e.event, policy, effects);
        for (const trigger of effects.triggers.slice(firstTrigger)) {
          triggers.push({ trigger, tenant: group.tenant, customer: group.customer, partition: input.partition, offset: e.offset });
        }
      }
      tally.applied = effects.applied;
      tally.duplicates = effects.duplicates;
      const ops = commitOps(input.store, fold, before, effects);
      requests.push({ tenant: group.tenant, customer: group.customer, expectedPos: pos, newPos: todo[todo.length - 1]!.offset, fold, ops });
      work.push(group);
      tallies.push(tally);
    }
    if (triggers.length > 0 && input.triggers) await input.triggers.enqueue(triggers);
    const applied = requests.length > 0 ? await input.store.commit(requests) : [];
    pending = [];
    applied.forEach((ok, i) => {
      if (ok) {
        result.applied += tallies[i]!.applied;
        result.duplicates += tallies[i]!.duplicates;
        result.alreadyApplied += tallies[i]!.alreadyApplied;
      } else {
        result.conflicts++;
        pending.push(work[i]!);
      }
    });
  }
  return result;
}

interface Snapshot {
  index: Map<string, IndexEntry>;
  handles: number;
}

function snapshot(fold: CustomerFold): Snapshot {
  const index = new Map<string, IndexEntry>();
  for (const c of Object.values(fold.conversations)) index.set(c.id, indexEntry(c));
  return { index, handles: fold.customer?.identities.length ?? 0 };
}

function commitOps(store: ProjectionStore, fold: CustomerFold, before: Snapshot, fx: FoldEffects): CommitOp[] {
  const { keys } = store;
  const { tenant, customerId } = fold;
  const ops: CommitOp[] = [];
  for (const id of fx.changedConversations) {
    const c = fold.conversations[id]!;
    ops.push({ o: 'set', key: keys.conversation(tenant, customerId, id), v: JSON.stringify(c) });
    const was = before.index.get(id);
    if (!was) ops.push({ o: 'hset', key: keys.conversationOwners(tenant), f: id, v: customerId });
    const now = indexEntry(c);
    if (was?.queue && was.queue !== now.queue) ops.push({ o: 'zrem', key: keys.teamQueue(tenant, was.queue), m: id });
    if (now.queue) ops.push({ o: 'zadd', key: keys.teamQueue(tenant, now.queue), s: now.score, m: id });
    if (was?.agent && was.agent !== now.agent) ops.push({ o: 'srem', key: keys.agentConversations(tenant, was.agent), m: id });
    if (now.agent && now.agent !== was?.agent) ops.push({ o: 'sadd', key: keys.agentConversations(tenant, now.agent), m: id });
  }
  const byConversation = new Map<string, string[]>();
  for (const { conversationId, entry } of fx.transcript) {
    let lines = byConversation.get(conversationId);
    if (!lines) byConversation.set(conversationId, (lines = []));
    lines.push(JSON.stringify(entry));
  }
  for (const [id, lines] of byConversation) {
    ops.push({ o: 'push', key: keys.transcript(tenant, customerId, id), v: lines, n: TRANSCRIPT_LIMIT });
  }
  for (const identity of fold.customer?.identities.slice(before.handles) ?? []) {
    ops.push({ o: 'sadd', key: keys.handle(tenant, identity.handle), m: customerId });
  }
  return ops;
}
