import { groupOfTeam } from '../../domain/routing/groups.ts';
import { routingKeys } from '../../projections/keys.ts';
import type { WorkflowContext } from '../context.ts';
import type { Loaded } from '../load.ts';
import { botTurn } from './bot.ts';
import { HANDOFF_TTL_SECONDS, requestRouting, tenantGroups } from './drain.ts';
import type { StepJob } from './step.ts';

/**
 * The conversation needs people (triaged, or sent back to a queue). If the bot never had a turn on
 * it, the bot goes first: an answer from the knowledge base keeps it with the bot (the fold takes it
 * out of the queues); otherwise it is routed with the bot's summary for the agent. The bot's turn
 * takes no lock; routing asks for a drain of the conversation's group (steps/drain.ts), which runs
 * here or is coalesced into the drain already running. The summary is kept for whichever drain
 * places the conversation, written before the drain is asked for.
 */
export async function routeStep(ctx: WorkflowContext, job: StepJob, load: (job: StepJob) => Promise<Loaded | null>): Promise<string> {
  const loaded = await load(job);
  if (!loaded) return 'gone';
  const { conversation, scope } = loaded;
  const groups = tenantGroups(ctx, job.data.tenant);
  if (conversation.status === 'resolved' || conversation.assignee !== null) {
    // A try of this step that died holding a drain left its requests flagged: take them up.
    const leftover = await requestRouting(ctx, job, scope, groups, { onlyIfAsked: true });
    return leftover ? `nothing to route; ${leftover}` : 'nothing to route';
  }
  if (conversation.bot === null && conversation.initiatedBy === 'customer') {
    const { turn, events } = await botTurn(ctx, job, loaded);
    if (turn.kind === 'answer' && events.length > 0) {
      await ctx.eventLog.append(events);
      return `bot answered with ${turn.article.id}`;
    }
    if (turn.kind === 'handoff') await ctx.redis.set(routingKeys(ctx.instance, job.data.tenant).handoff(conversation.id), turn.context, 'EX', HANDOFF_TTL_SECONDS);
  }
  const group = conversation.team === null ? undefined : groupOfTeam(groups, conversation.team);
  if (!group) return `waits: team ${conversation.team ?? '(none)'} is not in the routing settings`;
  return requestRouting(ctx, job, scope, [group]);
}
