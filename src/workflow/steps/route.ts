import type { WorkflowContext } from '../context.ts';
import type { Loaded } from '../load.ts';
import { botTurn } from './bot.ts';
import { drainTenant } from './drain.ts';
import type { StepJob } from './step.ts';

/**
 * The conversation needs people (triaged, or sent back to a queue). If the bot never had a turn on
 * it, the bot goes first: an answer from the knowledge base keeps it with the bot (the fold takes it
 * out of the queues); otherwise it is routed with the bot's summary for the agent.
 */
export async function routeStep(ctx: WorkflowContext, job: StepJob, load: (job: StepJob) => Promise<Loaded | null>): Promise<string> {
  const loaded = await load(job);
  if (!loaded) return 'gone';
  const { conversation } = loaded;
  if (conversation.status === 'resolved' || conversation.assignee !== null) return 'nothing to route';
  const context = new Map<string, string>();
  if (conversation.bot === null && conversation.initiatedBy === 'customer') {
    const { turn, events } = await botTurn(ctx, job, loaded);
    if (turn.kind === 'answer' && events.length > 0) {
      await ctx.eventLog.append(events);
      return `bot answered with ${turn.article.id}`;
    }
    if (turn.kind === 'handoff') context.set(conversation.id, turn.context);
  }
  return drainTenant(ctx, job, context);
}
