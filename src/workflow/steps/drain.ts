import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AnyEvent } from '../../../events/index.ts';
import { conversationChannel } from '../../domain/conversation-channel.ts';
import { roundRobinCursor } from '../../domain/routing/agents.ts';
import { drainQueue, type Task } from '../../domain/routing/decide.ts';
import { skillsFor } from '../../domain/routing/config.ts';
import { routingKeys } from '../../projections/keys.ts';
import type { ReadScope } from '../../projections/reader.ts';
import { StepMustWait, stepEvent, type WorkflowContext } from '../context.ts';
import { awaitPosition } from '../load.ts';
import { readBoard, type InFlight } from '../routing-board.ts';
import type { StepJob } from './step.ts';

/** Conversations looked at per team queue per drain: the most urgent ones. */
const QUEUE_WINDOW = 200;
const LOCK_MS = 15_000;
const UNLOCK = readFileSync(new URL('./drain-unlock.lua', import.meta.url), 'utf8');
/** The actor of routing's own assignments, as the other workflow steps name themselves (`survey`, `sla`, `auto-resolve`). */
const ROUTING = { kind: 'system', id: 'routing' } as const;

/**
 * Drains the tenant's team queues, most urgent first, onto agents with free seats
 * (`drainQueue`, the pure decision) and publishes one conversation.assigned per placement. One
 * drain per tenant at a time (a Redis lock): two at once would see the same free seat. Placements
 * are recorded as in flight before they are published, so the next drain counts their seats even
 * before the fold shows them.
 */
export async function drainTenant(ctx: WorkflowContext, job: StepJob, extraContext: Map<string, string> = new Map()): Promise<string> {
  const { tenant } = job.data;
  const scope = await ctx.view.scope(tenant);
  await awaitPosition(ctx, scope, job.data.customer, job.data.partition >= 0 ? job.data.offset : undefined);
  const rk = routingKeys(ctx.instance, tenant);
  const token = randomUUID();
  if ((await ctx.redis.set(rk.lock, token, 'PX', LOCK_MS, 'NX')) !== 'OK') throw new StepMustWait(`another drain of ${tenant} is running`);
  try {
    return await drainLocked(ctx, job, scope, extraContext);
  } finally {
    // Release only our own lock (it may have expired and been taken meanwhile).
    await ctx.redis.eval(UNLOCK, 1, rk.lock, token);
  }
}

async function drainLocked(ctx: WorkflowContext, job: StepJob, scope: ReadScope, extraContext: Map<string, string>): Promise<string> {
  const { tenant } = job.data;
  const settings = ctx.tenants(tenant);
  const { teams, agents } = settings.routing;
  const now = ctx.now();
  const { board, inFlight } = await readBoard(ctx, scope.keys, tenant, agents, now.getTime());

  const queues = await Promise.all(teams.map((team) => ctx.view.reader.queue(scope, team.name, QUEUE_WINDOW)));
  const open = queues.flat().filter((c) => !inFlight.has(c.id) && c.status !== 'resolved' && c.assignee === null && c.team !== null && c.bot !== 'answering');
  if (open.length === 0) return 'queues empty';
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
  if (result.assignments.length === 0) return `${tasks.length} waiting (${[...new Set(result.waiting.map((w) => w.reason))].join(', ')})`;

  const byId = new Map(open.map((c) => [c.id, c]));
  const events: AnyEvent[] = [];
  const promised: Record<string, string> = {};
  for (const placement of result.assignments) {
    const c = byId.get(placement.task.conversationId)!;
    const context = extraContext.get(c.id) ?? c.handoff ?? undefined;
    events.push(
      stepEvent(ctx, { id: job.id, step: 'routing' }, c.id, {
        type: 'conversation.assigned',
        tenant,
        customer: c.customer,
        conversation: c.id,
        data: { assignee: placement.agent, team: placement.task.team, reason: placement.reason, channel: placement.task.channel, by: ROUTING, ...(context ? { context } : {}) },
      }),
    );
    promised[c.id] = JSON.stringify({ agent: placement.agent, team: placement.task.team, channel: placement.task.channel, at: now.getTime() } satisfies InFlight);
  }
  await ctx.redis.hset(routingKeys(ctx.instance, tenant).inFlight, promised);
  await ctx.eventLog.append(events);
  return `assigned ${result.assignments.map((a) => `${a.task.conversationId}→${a.agent}`).join(', ')}`;
}
