import type { AnyEvent } from '../../events/index.ts';
import { evolveBoard, emptyBoard } from '../domain/routing/agents.ts';
import { jobIds } from '../domain/fold/triggers.ts';
import type { StoredPresence } from '../projections/presence.ts';
import type { ProjectionStore } from '../projections/store.ts';
import { stepMember, type PositionedTrigger } from '../projections/steps.ts';
import type { PositionedEvent } from './jobs.ts';

/**
 * Folds agents' own events (agent.status_changed) into the tenant's presence hash. One agent's
 * events share a partition (key tenant/agent:<id>) and one job per partition is in flight, so a
 * read-modify-write guarded by the stored offset is exactly-once: an offset at or below it was
 * applied already. Every change may free seats, so each asks for a drain of the tenant's queues,
 * written with the presence in one MULTI, as the customers' steps are written with their commit.
 */
export async function foldAgentEvents(input: {
  store: ProjectionStore;
  partition: number;
  groups: ReadonlyArray<{ tenant: string; customer: string; events: PositionedEvent[] }>;
  asksForSteps: boolean;
}): Promise<{ applied: number; alreadyApplied: number }> {
  const { keys } = input.store;
  const redis = input.store.redis;
  const tally = { applied: 0, alreadyApplied: 0 };
  const writes: Array<{ key: string; agent: string; value: StoredPresence }> = [];
  const triggers: PositionedTrigger[] = [];
  for (const group of input.groups) {
    const fresh = group.events.filter((e): e is PositionedEvent & { event: AnyEvent & { type: 'agent.status_changed' } } => e.event.type === 'agent.status_changed');
    if (fresh.length === 0) continue;
    const agent = fresh[0]!.event.data.agent;
    const key = keys.agentPresence(group.tenant);
    const raw = await redis.hget(key, agent);
    const stored = raw ? (JSON.parse(raw) as StoredPresence) : null;
    const after = stored ? BigInt(stored.pos) : -1n;
    let board = emptyBoard();
    if (stored) board.agents[agent] = { status: stored.status, since: stored.since, capacity: stored.capacity, load: { email: [], chat: [], sms: [], social: [] }, lastAssignedAt: null };
    let last: PositionedEvent | null = null;
    for (const e of fresh) {
      if (BigInt(e.offset) <= after) {
        tally.alreadyApplied++;
        continue;
      }
      board = evolveBoard(board, e.event);
      last = e;
      tally.applied++;
      triggers.push({
        trigger: { kind: 'drain', jobId: jobIds.drain(e.event.id), conversationId: '', at: e.event.time },
        tenant: group.tenant,
        customer: group.customer,
        partition: e.partition ?? input.partition,
        offset: e.offset,
      });
    }
    const live = board.agents[agent];
    if (last && live) writes.push({ key, agent, value: { status: live.status, since: live.since, capacity: live.capacity, pos: last.offset } });
  }
  if (writes.length > 0) {
    const multi = redis.multi();
    for (const w of writes) multi.hset(w.key, w.agent, JSON.stringify(w.value));
    if (input.asksForSteps) for (const t of triggers) multi.zadd(keys.steps, 0, stepMember(t));
    const replies = (await multi.exec()) ?? [];
    for (const [err] of replies) if (err) throw err;
  }
  return tally;
}
