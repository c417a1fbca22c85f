import { decideTriage } from '../../domain/triage/decide.ts';
import { stepEvent, type WorkflowContext } from '../context.ts';
import { loadFor } from '../load.ts';
import type { StepJob } from './step.ts';

/** Classifies a new conversation (category, priority, language, team) → conversation.triaged. */
export async function triageStep(ctx: WorkflowContext, job: StepJob): Promise<string> {
  const loaded = await loadFor(ctx, job.data);
  if (!loaded) return 'gone';
  const { scope, conversation, customer } = loaded;
  if (conversation.category !== null) return 'already triaged';
  const { tenant } = job.data;
  const transcript = await ctx.view.transcript(scope, conversation);
  const texts = [conversation.subject ?? '', ...transcript.filter((t) => t.direction === 'in' && t.author.kind === 'customer').map((t) => t.text)].filter(Boolean);
  const recent = await ctx.view.conversations(scope, customer.id, customer.conversationIds.slice(-20));
  const settings = ctx.tenants(tenant);
  const decided = decideTriage({ conversation, customer, texts, recentConversationsOpenedAt: recent.map((c) => c.openedAt), now: ctx.now().toISOString() }, settings.triage);
  // A category without a team leaves the choice to routing: the tenant's first team, so it never waits unrouted.
  const decision = { ...decided, team: decided.team ?? settings.routing.teams[0]?.name ?? null };
  await ctx.eventLog.append([
    stepEvent(ctx, { id: job.id, step: 'triage' }, 'decision', {
      type: 'conversation.triaged',
      tenant,
      customer: customer.id,
      conversation: conversation.id,
      data: decision,
    }),
  ]);
  return `${decision.category}/${decision.priority}/${decision.team ?? '-'}`;
}
