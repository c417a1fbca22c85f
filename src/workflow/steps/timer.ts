import type { AnyEvent } from '../../../events/index.ts';
import type { DueTimer } from '../../domain/fold/timers.ts';
import { scheduleOf } from '../../domain/fold/sla-clock.ts';
import { conversationState } from '../../domain/fold/fold-state.ts';
import { decideEscalation } from '../../domain/sla/escalation.ts';
import { inactivityCheck, timerCheck } from '../../domain/sla/timers.ts';
import { stepEvent, type WorkflowContext } from '../context.ts';
import { internalNote } from './messages.ts';

/**
 * A timer came due (the pump made this job from the fold's sorted set). It re-reads the
 * conversation and asks the domain whether the timer's event is still owed: an agent's reply in
 * time, or a customer's message in the quiet window, makes it a no-op.
 */
export async function timerStep(ctx: WorkflowContext, job: { id: string; timer: DueTimer }): Promise<string> {
  const t = job.timer;
  const c = await ctx.view.conversation(await ctx.view.scope(t.tenant), t.customer, t.conversationId);
  if (!c) return 'gone';
  const now = ctx.now().toISOString();
  const policy = ctx.policies(t.tenant);
  const step = { id: job.id, step: 'timer' };
  const on = { tenant: t.tenant, customer: t.customer, conversation: c.id };

  if (t.kind === 'auto-resolve') {
    const outcome = inactivityCheck(c, now, policy.autoResolveAfterMs);
    if (outcome.kind !== 'resolve') return outcome.kind;
    // `at` is the end of the quiet window, whenever the timer ran: the fold's own rule gives the same.
    await ctx.eventLog.append([
      stepEvent(ctx, step, 'resolve', { type: 'conversation.resolved', ...on, data: { by: { kind: 'system', id: 'auto-resolve' }, at: outcome.at, reason: 'inactivity' } }),
    ]);
    return `resolved as of ${outcome.at}`;
  }

  const schedule = scheduleOf(conversationState(c), policy);
  if (!schedule || !t.metric) return 'moot';
  const outcome = timerCheck(c, { kind: t.kind, metric: t.metric, dueAt: t.dueAt, at: t.at }, now, schedule);
  if (outcome === 'early') throw new Error(`timer ${job.id} ran before ${t.at}`);
  if (outcome === 'moot') return 'moot';
  if (t.kind === 'sla-warning') {
    await ctx.eventLog.append([stepEvent(ctx, step, 'warned', { type: 'sla.warned', ...on, data: { metric: t.metric, dueAt: t.dueAt } })]);
    return `warned ${t.metric}`;
  }

  // Breached: climb the escalation ladder (priority up, next tier's team, the supervisor told).
  const decision = decideEscalation(c, t.metric, ctx.tenants(t.tenant).sla.escalation);
  const events: AnyEvent[] = [
    stepEvent(ctx, step, 'breached', { type: 'sla.breached', ...on, data: { metric: t.metric, dueAt: t.dueAt } }),
    stepEvent(ctx, step, 'escalated', { type: 'conversation.escalated', ...on, data: { tier: decision.tier, priority: decision.priority, team: decision.team, reason: decision.reason } }),
  ];
  if (decision.team !== null && decision.team !== c.team) {
    // Re-routed to the next tier: back to a queue (the fold asks for routing), the seat freed.
    events.push(
      stepEvent(ctx, step, 'transferred', {
        type: 'conversation.transferred',
        ...on,
        data: { toAgent: null, toTeam: decision.team, by: { kind: 'system', id: 'sla' }, reason: decision.reason.slice(0, 500) },
      }),
    );
  }
  if (decision.notifySupervisor) events.push(internalNote(ctx, step, 'supervisor', c, `Supervisor: ${decision.reason}.`));
  await ctx.eventLog.append(events);
  return `breached ${t.metric}: ${decision.tier}`;
}
