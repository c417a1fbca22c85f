import type { AnyEvent } from '../../../events/index.ts';
import { stepEvent, type WorkflowContext } from '../context.ts';
import type { Loaded } from '../load.ts';
import { internalNote } from './messages.ts';
import type { StepJob } from './step.ts';

/**
 * A survey got its score. A digit reply was recorded by the fold from the message itself; here it
 * also becomes survey.answered (for webhooks and analysts reading that type). A low score opens a
 * follow-up for the supervisors: the conversation is reopened and moved to the top of the ladder.
 */
export async function surveyAnsweredStep(ctx: WorkflowContext, job: StepJob, loaded: Loaded | null, answer: { surveyId: string; score: number; byReply: boolean }): Promise<string> {
  if (!loaded) return 'gone';
  const { conversation: c } = loaded;
  const survey = c.surveys.find((s) => s.id === answer.surveyId);
  if (!survey) return 'unknown survey';
  const settings = ctx.tenants(job.data.tenant);
  const step = { id: job.id, step: 'survey-answered' };
  const on = { tenant: c.tenant, customer: c.customer, conversation: c.id };
  const events: AnyEvent[] = [];
  if (answer.byReply) {
    events.push(stepEvent(ctx, step, 'answered', { type: 'survey.answered', ...on, time: survey.answeredAt ?? undefined, data: { surveyId: survey.id, kind: survey.kind, score: answer.score } }));
  }
  const low = survey.kind === 'csat' ? answer.score <= settings.lowScore.csat : answer.score <= settings.lowScore.nps;
  if (low && c.status === 'resolved') {
    const supervisors = settings.sla.escalation.at(-1)?.team ?? c.team;
    const reason = `Low ${survey.kind.toUpperCase()} score ${answer.score}: follow up with the customer.`;
    events.push(stepEvent(ctx, step, 'reopened', { type: 'conversation.reopened', ...on, data: { by: { kind: 'system', id: 'survey' }, reason } }));
    events.push(stepEvent(ctx, step, 'to-supervisors', { type: 'conversation.transferred', ...on, data: { toAgent: null, toTeam: supervisors, by: { kind: 'system', id: 'survey' }, reason } }));
    events.push(internalNote(ctx, step, 'note', c, reason));
  }
  if (events.length > 0) await ctx.eventLog.append(events);
  return low ? 'low score: follow-up opened' : 'recorded';
}
