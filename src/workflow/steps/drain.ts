import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AnyEvent } from '../../../events/index.ts';
import { conversationChannel } from '../../domain/conversation-channel.ts';
import { jobId } from '../../domain/fold/triggers.ts';
import { freeSeats, roundRobinCursor } from '../../domain/routing/agents.ts';
import { drainQueue, type Task } from '../../domain/routing/decide.ts';
import { CHANNELS, skillsFor } from '../../domain/routing/config.ts';
import { groupOfAgent, routingGroups, type RoutingGroup } from '../../domain/routing/groups.ts';
import { routingKeys } from '../../projections/keys.ts';
import type { ReadScope } from '../../projections/reader.ts';
import { stepEvent, type WorkflowContext } from '../context.ts';
import { awaitPosition } from '../load.ts';
import { readBoard, type InFlight } from '../routing-board.ts';
import { jobOptions } from '../trigger-queue.ts';
import type { StepJob } from './step.ts';

/** Conversations looked at per team queue per drain round: the most urgent ones. */
const QUEUE_WINDOW = 200;
/** The lock's lease: a holder that died lets go after this long (each round renews it). */
const LOCK_MS = 15_000;
/**
 * A drain that has held its group's lock this long while requests keep coming lets go and hands the
 * rest to a new drain job: a worker can then stop, and a busy group does not keep one job forever.
 */
export const HOLD_MS = 2_000;
/** The bot's hand-off summary waits this long for an agent (a conversation queued longer gets none). */
export const HANDOFF_TTL_SECONDS = 7 * 24 * 3600;
const lua = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
const ACQUIRE = lua('drain-acquire.lua');
const AGAIN = lua('drain-again.lua');
const UNLOCK = lua('drain-unlock.lua');
/** The actor of routing's own assignments, as the other workflow steps name themselves (`survey`, `sla`, `auto-resolve`). */
const ROUTING = { kind: 'system', id: 'routing' } as const;

const groupsOf = new WeakMap<object, RoutingGroup[]>();

/** The tenant's routing groups (teams linked by shared agents), computed once per settings. */
export function tenantGroups(ctx: WorkflowContext, tenant: string): RoutingGroup[] {
  const routing = ctx.tenants(tenant).routing;
  let groups = groupsOf.get(routing);
  if (!groups) {
    groups = routingGroups(routing.teams, routing.agents);
    groupsOf.set(routing, groups);
  }
  return groups;
}

/**
 * The drain step (a seat freed: a resolution, a transfer away, an agent's presence or capacity):
 * once the projection shows the event that asked for it, asks for a drain of the groups whose seats
 * may have freed: the agent's group for a presence change, a hand-over's own group, else all.
 */
export async function drainTenant(ctx: WorkflowContext, job: StepJob): Promise<string> {
  const { tenant, customer } = job.data;
  const scope = await ctx.view.scope(tenant);
  await awaitPosition(ctx, scope, customer, job.data.partition >= 0 ? job.data.offset : undefined);
  const all = tenantGroups(ctx, tenant);
  const named = job.data.groups;
  const groups = named
    ? all.filter((g) => named.includes(g.id))
    : customer.startsWith('agent:')
      ? all.filter((g) => g === groupOfAgent(all, customer.slice('agent:'.length)))
      : all;
  return (await requestRouting(ctx, job, scope, groups)) || 'no routing group to drain';
}

/**
 * Asks for a drain of each group: the step takes the group's lock and drains, or, when a drain of
 * the group is running, leaves it a "drain again" request and goes on at once (coalescing: that
 * drain loops until no request is left before it lets go). No step waits for the lock, and none is
 * lost: see drain-acquire.lua and drain-again.lua. `onlyIfAsked`: only take up requests a drain
 * that died left behind (a flag set, no lock held). Returns what happened, '' when nothing did.
 */
export async function requestRouting(ctx: WorkflowContext, job: StepJob, scope: ReadScope, groups: readonly RoutingGroup[], options: { onlyIfAsked?: boolean } = {}): Promise<string> {
  const outcomes: string[] = [];
  for (const group of groups) {
    const rk = routingKeys(ctx.instance, job.data.tenant);
    const keys = { lock: rk.lock(group.id), again: rk.again(group.id) };
    const token = randomUUID();
    const took = Number(await ctx.redis.eval(ACQUIRE, 2, keys.lock, keys.again, token, LOCK_MS, options.onlyIfAsked ? '1' : '0'));
    if (took === -1) continue;
    const outcome = took === 1 ? await holdAndDrain(ctx, job, scope, group, keys, token) : 'coalesced into the running drain';
    outcomes.push(groups.length > 1 ? `${group.id}: ${outcome}` : outcome);
  }
  return outcomes.join('; ');
}

/** Drains the group in rounds while requests keep coming, then lets go of its lock. */
async function holdAndDrain(ctx: WorkflowContext, job: StepJob, scope: ReadScope, group: RoutingGroup, keys: { lock: string; again: string }, token: string): Promise<string> {
  const since = Date.now();
  const rounds: Round[] = [];
  try {
    for (;;) {
      rounds.push(await drainRound(ctx, job, scope, group, rounds.length));
      if (Date.now() - since >= HOLD_MS) return summary(rounds) + (await handOver(ctx, job, group, keys, token));
      const next = Number(await ctx.redis.eval(AGAIN, 2, keys.lock, keys.again, token, LOCK_MS));
      if (next === 1) return summary(rounds);
      // The lease ran out during the round (a very slow one): go on only if the lock is free to take again.
      if (next === 0 && Number(await ctx.redis.eval(ACQUIRE, 2, keys.lock, keys.again, token, LOCK_MS, '1')) !== 1) return `${summary(rounds)} (the lease ran out)`;
    }
  } catch (err) {
    // The requests not yet covered stay flagged for the next holder (this job's own retry at the latest).
    await Promise.resolve(ctx.redis.eval(UNLOCK, 1, keys.lock, token)).catch(() => undefined);
    throw err;
  }
}

/**
 * Held long enough: lets go and, if requests are still waiting, hands them to a new drain job of the
 * group. Should this process die in between, the requests stay flagged and this job's retry (or
 * the group's next request) takes them up.
 */
async function handOver(ctx: WorkflowContext, job: StepJob, group: RoutingGroup, keys: { lock: string; again: string }, token: string): Promise<string> {
  await ctx.redis.eval(UNLOCK, 1, keys.lock, token);
  if ((await ctx.redis.exists(keys.again)) === 0) return '';
  const id = jobId('drain', 'hand-over', job.data.tenant, group.id, randomUUID());
  const { tenant, customer, conversationId } = job.data;
  await ctx.queue.add(
    'drain',
    { tenant, customer, conversationId, partition: -1, offset: '-1', trigger: { kind: 'drain', jobId: id, conversationId, at: ctx.now().toISOString() }, groups: [group.id] },
    jobOptions(id),
  );
  return `; handed over to ${id}`;
}

interface Round {
  placed: number;
  text: string;
}

/** What the drain did: its one round's outcome, or how many rounds, the placements, and the last round's outcome. */
const summary = (rounds: readonly Round[]) =>
  rounds.length === 1 ? rounds[0]!.text : `${rounds.length} rounds, ${rounds.reduce((n, r) => n + r.placed, 0)} assigned; last: ${rounds.at(-1)!.text}`;

/**
 * One round: the group's team queues, most urgent first, onto its agents' free seats
 * (`drainQueue`, the pure decision), one conversation.assigned per placement. Placements are
 * recorded as in flight before they are published, so the next round (or drain) counts their seats
 * even before the fold shows them. An assignment's event id comes from the job, the conversation and
 * the round, so a retried job publishes the same events.
 */
async function drainRound(ctx: WorkflowContext, job: StepJob, scope: ReadScope, group: RoutingGroup, round: number): Promise<Round> {
  const { tenant } = job.data;
  const { teams, agents } = group;
  const now = ctx.now();
  const rk = routingKeys(ctx.instance, tenant);
  const { board, inFlight } = await readBoard(ctx, scope.keys, tenant, agents, now.getTime());
  // Every seat taken (the usual state under load): nothing can be placed, the queues need no reading.
  if (!agents.some((a) => CHANNELS.some((channel) => freeSeats(board, a, channel) > 0))) return { placed: 0, text: 'no free seat' };

  const queues = await Promise.all(teams.map((team) => ctx.view.reader.queue(scope, team.name, QUEUE_WINDOW)));
  const open = queues.flat().filter((c) => !inFlight.has(c.id) && c.status !== 'resolved' && c.assignee === null && c.team !== null && c.bot !== 'answering');
  if (open.length === 0) return { placed: 0, text: 'queues empty' };
  const customers = await ctx.view.reader.customers(scope, [...new Set(open.map((c) => c.customer))]);
  const tasks: Task[] = open.map((c) => ({
    conversationId: c.id,
    team: c.team!,
    channel: conversationChannel(c),
    category: c.category,
    priority: c.priority,
    language: c.language,
    requiredSkills: skillsFor(teams, c.team!, c.category),
    lastAgent: customers.get(c.customer)?.lastAssignee ?? null,
    slaDueAt: c.sla.firstResponseDueAt ?? c.sla.nextResponseDueAt ?? c.sla.resolutionDueAt,
    waitingSince: c.sla.waitingSince ?? c.openedAt,
  }));
  const result = drainQueue(tasks, board, teams, agents, roundRobinCursor(board), now.toISOString());
  if (result.assignments.length === 0) return { placed: 0, text: `${tasks.length} waiting (${[...new Set(result.waiting.map((w) => w.reason))].join(', ')})` };

  const byId = new Map(open.map((c) => [c.id, c]));
  const placedIds = result.assignments.map((a) => a.task.conversationId);
  // The bot's summaries the route steps left for whoever places their conversation.
  const summaries = await ctx.redis.mget(placedIds.map((id) => rk.handoff(id)));
  const events: AnyEvent[] = [];
  const promised: Record<string, string> = {};
  result.assignments.forEach((placement, i) => {
    const c = byId.get(placement.task.conversationId)!;
    const context = summaries[i] ?? c.handoff ?? undefined;
    events.push(
      stepEvent(ctx, { id: job.id, step: 'routing' }, round === 0 ? c.id : `${c.id}/${round}`, {
        type: 'conversation.assigned',
        tenant,
        customer: c.customer,
        conversation: c.id,
        data: { assignee: placement.agent, team: placement.task.team, reason: placement.reason, channel: placement.task.channel, by: ROUTING, ...(context ? { context } : {}) },
      }),
    );
    promised[c.id] = JSON.stringify({ agent: placement.agent, team: placement.task.team, channel: placement.task.channel, at: now.getTime() } satisfies InFlight);
  });
  await ctx.redis.hset(rk.inFlight, promised);
  await ctx.eventLog.append(events);
  if (summaries.some((s) => s !== null)) await ctx.redis.del(...placedIds.filter((_, i) => summaries[i] !== null).map((id) => rk.handoff(id)));
  return { placed: result.assignments.length, text: `assigned ${result.assignments.map((a) => `${a.task.conversationId}→${a.agent}`).join(', ')}` };
}
