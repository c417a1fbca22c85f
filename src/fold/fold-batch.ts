import { eventTimeMs, partitionKey } from '../../events/index.ts';
import { applyEvent, missingConversations, noEffects, type CustomerFold, type FoldEffects } from '../domain/fold/customer-fold.ts';
import type { FoldPolicies, FoldPolicy } from '../domain/fold/policy.ts';
import { timerMember, timersOf } from '../domain/fold/timers.ts';
import { isAccountSubject } from '../../events/types/account.ts';
import { isAgentSubject } from '../../events/types/agent.ts';
import { foldAgentEvents } from './agent-presence.ts';
import type { PositionedEvent } from './jobs.ts';
import { stepMember, type PositionedTrigger } from '../projections/steps.ts';
import { indexEntry } from '../projections/index-entries.ts';
import { TRANSCRIPT_LIMIT } from '../projections/keys.ts';
import { conversationView, type ConversationState as Conversation } from '../domain/fold/fold-state.ts';
import { iso } from '../domain/time.ts';
import type { CommitOp, CommitRequest, ProjectionStore } from '../projections/store.ts';
import type { CachedFold, FoldCache, FoldSnapshot } from './fold-cache.ts';

export interface FoldBatchResult {
  customers: number;
  applied: number;
  /** Events at or below a customer's applied position: delivered again after a crash or retry. */
  alreadyApplied: number;
  duplicates: number;
  conflicts: number;
  /** Customers folded again because the commit found an event applied long before (a late re-send). */
  lateDuplicates: number;
}

interface CustomerWork {
  key: string;
  tenant: string;
  customer: string;
  events: PositionedEvent[];
  /** Offsets of events the commit script found to be re-sends (beyond the state's window): dropped as duplicates when folded again. */
  knownDuplicates?: Set<string>;
}

export interface FoldBatchInput {
  store: ProjectionStore;
  partition: number;
  events: readonly PositionedEvent[];
  policies: FoldPolicies;
  /** Live: ask for workflow steps (written with the commit). A rebuild does not: history has had its effects. */
  asksForSteps: boolean;
  /** The states this worker committed last (see fold-cache.ts): folded from here instead of read back. */
  cache?: FoldCache;
  /**
   * Filled, once a customer's commit applied, with event id -> conversation for each event that
   * changed an outbound message's delivery state: a provider's report names no conversation, and
   * the change feed announces the one the message is in.
   */
  deliveryConversations?: Map<string, string>;
}

/**
 * A customer's fold and applied position to fold from. One read from Redis has no snapshot yet: it
 * is taken once its conversations are loaded.
 */
type StartingFold = Omit<CachedFold, 'snapshot'> & { snapshot: FoldSnapshot | null };

/**
 * One customer in one round of a batch (a round folds every customer whose commit is still to
 * apply: all of them first, then those refused by a conflict), filled in as the round goes.
 */
interface CustomerRound {
  /** The customer and its events in the batch, in log order. */
  work: CustomerWork;
  /** Where its fold starts: this worker's memory of it, or what Redis holds; null until known. */
  start: StartingFold | null;
  /** Its events after the start's position, to apply; those at or before it were applied already. */
  fresh: PositionedEvent[];
  /** Conversations read from Redis for this round: those its fresh events can touch that the start lacks. */
  loaded: Conversation[];
  /** The fold of its fresh events, to commit; null while not folded, or when nothing was fresh. */
  folded: FoldedCustomer | null;
}

/** A customer's fresh events folded: the commit that writes them, and what the cache keeps once it applied. */
interface FoldedCustomer {
  /** State, position and writes for the commit script, which checks the start's position still stands. */
  request: CommitRequest;
  /** The log offsets of the events in `request.appliedIds`, in the same order. */
  appliedOffsets: string[];
  /** What the batch counts for this customer once the commit applied. */
  tally: { applied: number; duplicates: number; alreadyApplied: number };
  /** The state after the events (the start's, folded in place). */
  fold: CustomerFold;
  /** What the projection held for the fold's conversations before the events. */
  before: FoldSnapshot;
  /** What the projection holds for the conversations the events changed, once committed. */
  after: FoldSnapshot;
  /** Folded from this worker's memory: if the commit is refused, other workers fold this customer too. */
  cached: boolean;
  /** The events that changed a message's delivery state, with the message's conversation. */
  delivery: FoldEffects['delivery'];
}

const MAX_CONFLICT_ROUNDS = 10;

function groupByCustomer(events: readonly PositionedEvent[]): CustomerWork[] {
  const groups = new Map<string, CustomerWork>();
  for (const e of events) {
    const key = partitionKey(e.event);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, tenant: e.event.tenant, customer: e.event.customer, events: [] }));
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
export async function foldBatch(input: FoldBatchInput): Promise<FoldBatchResult> {
  const result: FoldBatchResult = { customers: 0, applied: 0, alreadyApplied: 0, duplicates: 0, conflicts: 0, lateDuplicates: 0 };
  const groups = groupByCustomer(input.events);
  // Agents' own events (presence) fold into the agents' board, not into a customer.
  const agents = groups.filter((g) => isAgentSubject(g.customer));
  if (agents.length > 0) {
    const tally = await foldAgentEvents({ store: input.store, partition: input.partition, groups: agents, asksForSteps: input.asksForSteps });
    result.applied += tally.applied;
    result.alreadyApplied += tally.alreadyApplied;
  }
  // Account changes are the audit trail only: no customer to fold them into.
  let pending = groups.filter((g) => !isAgentSubject(g.customer) && !isAccountSubject(g.customer));
  result.customers = pending.length;
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_CONFLICT_ROUNDS) throw new Error(`fold: ${pending.length} customers kept changing under this batch`);
    const customers: CustomerRound[] = pending.map((work) => ({ work, start: null, fresh: [], loaded: [], folded: null }));
    // A cached state serves when the batch starts after its position (the usual case); a batch
    // delivered again, or a customer not cached, is read from Redis.
    const toRead: CustomerRound[] = [];
    for (const c of customers) {
      const cached = input.cache?.take(c.work.key);
      if (cached && BigInt(c.work.events[0]!.offset) > (cached.pos === null ? -1n : BigInt(cached.pos))) c.start = cached;
      else toRead.push(c);
    }
    // Other workers fold these customers too (a cached commit was refused lately): check the cached
    // positions first, positions only, and read the stale ones in full.
    const fromCache = customers.filter((c) => c.start);
    if (fromCache.length > 0 && input.cache?.shouldVerify()) {
      const positions = await input.store.readPositions(fromCache.map((c) => c.work));
      fromCache.forEach((c, j) => {
        if (positions[j] === c.start!.pos) return;
        c.start = null;
        toRead.push(c);
      });
    }
    if (toRead.length > 0) {
      const read = await input.store.readFolds(toRead.map((c) => c.work));
      toRead.forEach((c, j) => (c.start = { ...read[j]!, snapshot: null }));
    }
    for (const c of customers) {
      const pos = c.start!.pos;
      const after = pos === null ? -1n : BigInt(pos);
      c.fresh = c.work.events.filter((e) => BigInt(e.offset) > after);
    }
    // The conversations the events can touch: the open one, the latest (a digit reply may answer
    // its survey) and any an event names. A cached state holds the first two already.
    const loaded = await input.store.readConversationsOfMany(
      customers.map(({ work, start, fresh }) => {
        const fold = start!.fold;
        const ids = new Set(missingConversations(fold, fresh.map((e) => e.event)));
        const open = fold.customer?.openConversationId;
        if (open && !fold.conversations[open]) ids.add(open);
        const latest = fold.customer?.conversationIds.at(-1);
        if (latest && !fold.conversations[latest]) ids.add(latest);
        return { tenant: work.tenant, customer: work.customer, ids: fresh.length > 0 ? [...ids] : [] };
      }),
    );
    customers.forEach((c, i) => (c.loaded = loaded[i]!));
    for (const c of customers) {
      c.folded = foldCustomer(c, input);
      // Nothing fresh: every event of the customer was applied before (a batch delivered again).
      if (!c.folded) result.alreadyApplied += c.work.events.length;
    }
    const committing = customers.flatMap(({ work, folded }) => (folded ? [{ work, folded }] : []));
    const applied = committing.length > 0 ? await input.store.commit(committing.map((c) => c.folded.request)) : [];
    pending = [];
    applied.forEach((outcome, i) => {
      const { work, folded } = committing[i]!;
      if (outcome === 'applied') {
        if (input.cache) input.cache.put(work.key, cacheable(folded.request.newPos, folded));
        for (const d of folded.delivery) input.deliveryConversations?.set(d.eventId, d.conversationId);
        result.applied += folded.tally.applied;
        result.duplicates += folded.tally.duplicates;
        result.alreadyApplied += folded.tally.alreadyApplied;
      } else if (outcome === 'moved') {
        if (folded.cached) input.cache?.refused();
        result.conflicts++;
        pending.push(work);
      } else {
        // Not a conflict: the fold started from the right state, but an event was a re-send from
        // beyond the state's window. Read again (the state was folded in place) and drop it.
        result.lateDuplicates++;
        work.knownDuplicates ??= new Set();
        for (const i of outcome.duplicates) work.knownDuplicates.add(folded.appliedOffsets[i]!);
        pending.push(work);
      }
    });
  }
  return result;
}

/** Applies a customer's fresh events to its starting fold and gathers the writes; null when none is fresh. */
function foldCustomer({ work, start, fresh, loaded }: CustomerRound, input: FoldBatchInput): FoldedCustomer | null {
  const { pos, fold, snapshot: cachedSnapshot } = start!;
  if (fresh.length === 0) return null;
  const tally = { applied: 0, duplicates: 0, alreadyApplied: work.events.length - fresh.length };
  for (const c of loaded) fold.conversations[c.id] = c;

  const policy = input.policies(work.tenant);
  const before = cachedSnapshot ? withConversations(cachedSnapshot, fold, loaded, policy) : snapshot(fold, policy);
  const effects = noEffects();
  const steps: PositionedTrigger[] = [];
  const appliedIds: Array<[string, number]> = [];
  const appliedOffsets: string[] = [];
  for (const e of fresh) {
    if (work.knownDuplicates?.has(e.offset)) {
      effects.duplicates++;
      continue;
    }
    const firstTrigger = effects.triggers.length;
    if (applyEvent(fold, e.event, policy, effects)) {
      appliedIds.push([e.event.id, eventTimeMs(e.event)]);
      appliedOffsets.push(e.offset);
    }
    for (const trigger of effects.triggers.slice(firstTrigger)) {
      steps.push({ trigger, tenant: work.tenant, customer: work.customer, partition: e.partition ?? input.partition, offset: e.offset });
    }
  }
  tally.applied = effects.applied;
  tally.duplicates = effects.duplicates;
  const after: FoldSnapshot = { index: new Map(), timers: new Map(), handles: fold.customer?.identities.length ?? 0 };
  const ops = commitOps(input.store, fold, before, effects, policy, after);
  // The steps go in with the state that called for them, in the same script: no step without its
  // state, no state without its steps, and no queue round trip on the fold's path.
  if (input.asksForSteps) for (const step of steps) ops.push({ o: 'zadd', key: input.store.keys.steps, s: 0, m: stepMember(step) });
  const request: CommitRequest = { tenant: work.tenant, customer: work.customer, expectedPos: pos, newPos: fresh[fresh.length - 1]!.offset, fold, appliedIds, ops };
  return { request, appliedOffsets, tally, fold, before, after, cached: cachedSnapshot !== null, delivery: effects.delivery };
}

function timerEntries(fold: CustomerFold, c: Conversation, policy: FoldPolicy): Map<string, number> {
  return new Map(timersOf(c, policy).map((t) => [timerMember(fold.tenant, fold.customerId, t), Date.parse(t.at)]));
}

/** What the projection holds for the fold's conversations before the batch (its indexes and timers). */
function snapshot(fold: CustomerFold, policy: FoldPolicy): FoldSnapshot {
  return withConversations({ index: new Map(), timers: new Map(), handles: fold.customer?.identities.length ?? 0 }, fold, Object.values(fold.conversations), policy);
}

function withConversations(snapshot: FoldSnapshot, fold: CustomerFold, conversations: readonly Conversation[], policy: FoldPolicy): FoldSnapshot {
  for (const c of conversations) {
    snapshot.index.set(c.id, indexEntry(c));
    snapshot.timers.set(c.id, timerEntries(fold, c, policy));
  }
  return snapshot;
}

/**
 * The committed state as the next batch would read it back: the open and the latest conversation
 * (what a read loads first), with what the projection now holds for them.
 */
function cacheable(pos: string, { fold, before, after }: { fold: CustomerFold; before: FoldSnapshot; after: FoldSnapshot }): CachedFold {
  const keep = [fold.customer?.openConversationId, fold.customer?.conversationIds.at(-1)];
  const conversations: Record<string, Conversation> = {};
  const snapshot: FoldSnapshot = { index: new Map(), timers: new Map(), handles: after.handles };
  for (const id of keep) {
    const c = id ? fold.conversations[id] : undefined;
    if (!c || conversations[c.id]) continue;
    conversations[c.id] = c;
    snapshot.index.set(c.id, after.index.get(c.id) ?? before.index.get(c.id)!);
    snapshot.timers.set(c.id, after.timers.get(c.id) ?? before.timers.get(c.id)!);
  }
  fold.conversations = conversations;
  return { pos, fold, snapshot };
}

/** The writes that take the projection from `before` to the folded state; `after` receives what it then holds for the changed conversations. */
function commitOps(store: ProjectionStore, fold: CustomerFold, before: FoldSnapshot, fx: FoldEffects, policy: FoldPolicy, after: FoldSnapshot): CommitOp[] {
  const { keys } = store;
  const { tenant, customerId } = fold;
  const ops: CommitOp[] = [];
  for (const id of fx.changedConversations) {
    const c = fold.conversations[id]!;
    ops.push({ o: 'set', key: keys.conversation(tenant, customerId, id), v: JSON.stringify(conversationView(c)) });
    const was = before.index.get(id);
    if (!was) ops.push({ o: 'hset', key: keys.conversationOwners(tenant), f: id, v: customerId });
    const now = indexEntry(c);
    after.index.set(id, now);
    if (was?.queue && was.queue !== now.queue) ops.push({ o: 'zrem', key: keys.teamQueue(tenant, was.queue), m: id });
    if (now.queue) ops.push({ o: 'zadd', key: keys.teamQueue(tenant, now.queue), s: now.score, m: id });
    if (was?.agent && was.agent !== now.agent) ops.push({ o: 'hdel', key: keys.agentConversations(tenant, was.agent), f: id });
    if (now.agent && (now.agent !== was?.agent || now.seat !== was.seat)) ops.push({ o: 'hset', key: keys.agentConversations(tenant, now.agent), f: id, v: now.seat ?? 'chat' });
    if (c.assignee && c.assignment) {
      const assignedAt = iso(c.assignment.at);
      ops.push({ o: 'hmax', key: keys.agentLastAssigned(tenant), f: c.assignee, v: assignedAt });
      if (c.assignment.reason === 'round-robin' && c.team) ops.push({ o: 'hmax', key: keys.roundRobin(tenant), f: c.team, v: `${assignedAt}|${c.id}|${c.assignee}` });
    }
    const timersBefore = before.timers.get(id) ?? new Map<string, number>();
    const timersNow = timerEntries(fold, c, policy);
    after.timers.set(id, timersNow);
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

export type { PositionedEvent } from './jobs.ts';
