import { partitionKey, type AnyEvent } from '../../events/index.ts';
import { applyEvent, missingConversations, noEffects, type CustomerFold, type FoldEffects } from '../domain/fold/customer-fold.ts';
import type { FoldPolicies, FoldPolicy } from '../domain/fold/policy.ts';
import { timerMember, timersOf } from '../domain/fold/timers.ts';
import { isAgentSubject } from '../../events/types/agent.ts';
import { foldAgentEvents } from './agent-presence.ts';
import type { WorkflowTrigger } from '../domain/fold/triggers.ts';
import { indexEntry, type IndexEntry } from '../projections/index-entries.ts';
import { TRANSCRIPT_LIMIT } from '../projections/keys.ts';
import type { Conversation } from '../domain/state.ts';
import type { CommitOp, CommitRequest, ProjectionStore } from '../projections/store.ts';

export interface PositionedEvent {
  offset: string;
  event: AnyEvent;
  /** The event's partition, when a batch spans partitions (else the batch's). */
  partition?: number;
}

/** A workflow trigger with the log position that caused it: its job waits until the projection has it. */
export interface PositionedTrigger {
  trigger: WorkflowTrigger;
  tenant: string;
  customer: string;
  partition: number;
  offset: string;
}

/**
 * A step's member in the steps set: the positioned trigger as JSON. Folding the same events again
 * gives the same member, and ZADD keeps one.
 */
export const stepMember = (t: PositionedTrigger) => JSON.stringify(t);

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
  /** Live: ask for workflow steps (written with the commit). A rebuild does not: history has had its effects. */
  asksForSteps: boolean;
}): Promise<FoldBatchResult> {
  const result: FoldBatchResult = { customers: 0, applied: 0, alreadyApplied: 0, duplicates: 0, conflicts: 0 };
  const groups = groupByCustomer(input.events);
  // Agents' own events (presence) fold into the agents' board, not into a customer.
  const agents = groups.filter((g) => isAgentSubject(g.customer));
  if (agents.length > 0) {
    const tally = await foldAgentEvents({ store: input.store, partition: input.partition, groups: agents, asksForSteps: input.asksForSteps });
    result.applied += tally.applied;
    result.alreadyApplied += tally.alreadyApplied;
  }
  let pending = groups.filter((g) => !isAgentSubject(g.customer));
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
        // The latest one too: a digit reply may answer its survey.
        const latest = fold.customer?.conversationIds.at(-1);
        if (latest) ids.add(latest);
        return { tenant: group.tenant, customer: group.customer, ids: fresh[i]!.length > 0 ? [...ids] : [] };
      }),
    );
    const requests: CommitRequest[] = [];
    const work: CustomerWork[] = [];
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

      const policy = input.policies(group.tenant);
      const before = snapshot(fold, policy);
      const effects = noEffects();
      const steps: PositionedTrigger[] = [];
      for (const e of todo) {
        const firstTrigger = effects.triggers.length;
        applyEvent(fold, e.event, policy, effects);
        for (const trigger of effects.triggers.slice(firstTrigger)) {
          steps.push({ trigger, tenant: group.tenant, customer: group.customer, partition: e.partition ?? input.partition, offset: e.offset });
        }
      }
      tally.applied = effects.applied;
      tally.duplicates = effects.duplicates;
      const ops = commitOps(input.store, fold, before, effects, policy);
      // The steps go in with the state that called for them, in the same script: no step without its
      // state, no state without its steps, and no queue round trip on the fold's path.
      if (input.asksForSteps) for (const step of steps) ops.push({ o: 'zadd', key: input.store.keys.steps, s: 0, m: stepMember(step) });
      requests.push({ tenant: group.tenant, customer: group.customer, expectedPos: pos, newPos: todo[todo.length - 1]!.offset, fold, ops });
      work.push(group);
      tallies.push(tally);
    }
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
  /** Each conversation's timers, as sorted-set members with their due time. */
  timers: Map<string, Map<string, number>>;
  handles: number;
}

function timerEntries(fold: CustomerFold, c: Conversation, policy: FoldPolicy): Map<string, number> {
  return new Map(timersOf(c, policy).map((t) => [timerMember(fold.tenant, fold.customerId, t), Date.parse(t.at)]));
}

function snapshot(fold: CustomerFold, policy: FoldPolicy): Snapshot {
  const index = new Map<string, IndexEntry>();
  const timers = new Map<string, Map<string, number>>();
  for (const c of Object.values(fold.conversations)) {
    index.set(c.id, indexEntry(c));
    timers.set(c.id, timerEntries(fold, c, policy));
  }
  return { index, timers, handles: fold.customer?.identities.length ?? 0 };
}

function commitOps(store: ProjectionStore, fold: CustomerFold, before: Snapshot, fx: FoldEffects, policy: FoldPolicy): CommitOp[] {
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
    if (was?.agent && was.agent !== now.agent) ops.push({ o: 'hdel', key: keys.agentConversations(tenant, was.agent), f: id });
    if (now.agent && (now.agent !== was?.agent || now.seat !== was.seat)) ops.push({ o: 'hset', key: keys.agentConversations(tenant, now.agent), f: id, v: now.seat ?? 'chat' });
    if (c.assignee && c.assignment) {
      ops.push({ o: 'hmax', key: keys.agentLastAssigned(tenant), f: c.assignee, v: c.assignment.at });
      if (c.assignment.reason === 'round-robin' && c.team) ops.push({ o: 'hmax', key: keys.roundRobin(tenant), f: c.team, v: `${c.assignment.at}|${c.id}|${c.assignee}` });
    }
    const timersBefore = before.timers.get(id) ?? new Map<string, number>();
    const timersNow = timerEntries(fold, c, policy);
    for (const member of timersBefore.keys()) if (!timersNow.has(member)) ops.push({ o: 'zrem', key: keys.timers, m: member });
    for (const [member, due] of timersNow) if (!timersBefore.has(member)) ops.push({ o: 'zadd', key: keys.timers, s: due, m: member });
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
