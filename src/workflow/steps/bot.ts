import { decideBotTurn, type BotTurn } from '../../domain/bot/index.ts';
import type { AnyEvent } from '../../../events/index.ts';
import { BOT_ID, stepEvent, type WorkflowContext } from '../context.ts';
import type { Loaded } from '../load.ts';
import { messageToCustomer } from './messages.ts';
import type { StepJob } from './step.ts';

/** The bot's turn on the customer's latest message: what it decided, and the events that say so. */
export async function botTurn(ctx: WorkflowContext, job: StepJob, loaded: Loaded): Promise<{ turn: BotTurn; events: AnyEvent[] }> {
  const { scope, conversation } = loaded;
  const settings = ctx.tenants(job.data.tenant);
  const transcript = await ctx.view.transcript(scope, conversation);
  const last = transcript.filter((t) => t.direction === 'in' && t.author.kind === 'customer').at(-1);
  if (!last) return { turn: { kind: 'done' }, events: [] };
  const turn = decideBotTurn({ conversation, transcript, text: last.text, language: conversation.language, channel: last.channel }, settings.knowledgeBase, settings.bot);
  const step = { id: job.id, step: 'bot' };
  const events: AnyEvent[] = [];
  if (turn.kind === 'answer') {
    const answer = messageToCustomer(ctx, step, 'answer', conversation, { kind: 'bot', id: BOT_ID }, turn.text, conversation.subject ? `Re: ${conversation.subject}` : undefined);
    if (answer) events.push(answer);
  } else if (turn.kind === 'handoff' && turn.message) {
    const bye = messageToCustomer(ctx, step, 'handoff-message', conversation, { kind: 'bot', id: BOT_ID }, turn.message);
    if (bye) events.push(bye);
  }
  return { turn, events };
}

/** The customer wrote to a conversation the bot holds: the bot answers again or hands it to people. */
export async function botStep(ctx: WorkflowContext, job: StepJob, load: (job: StepJob) => Promise<Loaded | null>): Promise<string> {
  const loaded = await load(job);
  if (!loaded) return 'gone';
  const { conversation } = loaded;
  if (conversation.bot !== 'answering' || conversation.status === 'resolved') return 'the bot no longer holds it';
  const { turn, events } = await botTurn(ctx, job, loaded);
  if (turn.kind === 'handoff' || turn.kind === 'done') {
    // Back to the team queue with the bot's summary: the fold marks it handed off and asks for routing.
    events.push(
      stepEvent(ctx, { id: job.id, step: 'bot' }, 'handoff', {
        type: 'conversation.transferred',
        tenant: conversation.tenant,
        customer: conversation.customer,
        conversation: conversation.id,
        data: { toAgent: null, toTeam: conversation.team, by: { kind: 'bot', id: BOT_ID }, reason: (turn.kind === 'handoff' ? turn.context : 'Bot hand-off.').slice(0, 500) },
      }),
    );
  }
  await ctx.eventLog.append(events);
  return turn.kind === 'handoff' ? `handed off (${turn.reason})` : turn.kind;
}
