import { decideSurvey, type SurveyInvitation } from '../../domain/survey/index.ts';
import type { Conversation } from '../../domain/state.ts';
import { stepEvent, type WorkflowContext } from '../context.ts';
import type { Loaded } from '../load.ts';
import { surveyLink, surveyToken } from '../../surveys/links.ts';
import { jobOptions } from '../trigger-queue.ts';
import { messageToCustomer } from './messages.ts';
import type { StepJob } from './step.ts';

/**
 * On resolution: the survey policy decides whether and when to ask (at most one CSAT per
 * conversation, throttled per customer; NPS on its own cadence). A later invitation becomes a
 * delayed job that decides again when it is due (the customer may have written back meanwhile).
 */
export async function surveyStep(ctx: WorkflowContext, job: StepJob, loaded: Loaded | null, resolvedAt: string): Promise<string> {
  if (!loaded) return 'gone';
  const { conversation, customer } = loaded;
  const now = ctx.now();
  const decision = decideSurvey(conversation, customer, resolvedAt, now.toISOString(), ctx.tenants(job.data.tenant).survey);
  if (decision.kind === 'skip') return `skipped: ${decision.reason}`;
  const delay = Date.parse(decision.at) - now.getTime();
  if (delay > 1000) {
    await ctx.queue.add(
      'survey-send',
      { ...job.data, partition: -1, offset: '-1', trigger: { kind: 'survey-send', resolvedAt, surveyId: decision.survey.surveyId } },
      jobOptions(`survey-send|${encodeURIComponent(decision.survey.surveyId)}`, delay),
    );
    return `${decision.survey.kind} due at ${decision.at}`;
  }
  const invitation = invitationText(ctx, conversation, decision.survey);
  const step = { id: job.id, step: 'survey' };
  const sent = stepEvent(ctx, step, 'sent', {
    type: 'survey.sent',
    tenant: conversation.tenant,
    customer: conversation.customer,
    conversation: conversation.id,
    data: { surveyId: decision.survey.surveyId, kind: decision.survey.kind, channel: decision.survey.channel },
  });
  const message = messageToCustomer(ctx, step, 'invitation', conversation, { kind: 'system', id: 'survey' }, invitation, 'How did we do?');
  await ctx.eventLog.append(message ? [sent, message] : [sent]);
  return `sent ${decision.survey.kind}`;
}

const PROMPTS: Record<string, { csat: string; nps: string }> = {
  en: { csat: 'How satisfied are you with our help? Reply with a number from 1 (not at all) to 5 (very).', nps: 'How likely are you to recommend us to a friend? Reply with a number from 0 to 10.' },
  ru: { csat: 'Насколько вы довольны нашей помощью? Ответьте числом от 1 (совсем нет) до 5 (очень).', nps: 'Насколько вероятно, что вы порекомендуете нас другу? Ответьте числом от 0 до 10.' },
  zh: { csat: '您对我们的帮助满意吗？请回复1（非常不满意）到5（非常满意）之间的数字。', nps: '您有多大可能向朋友推荐我们？请回复0到10之间的数字。' },
};

/** The invitation in the customer's language: a digit to reply on SMS, WhatsApp and chat; links by e-mail. */
function invitationText(ctx: WorkflowContext, c: Conversation, survey: SurveyInvitation): string {
  const language = (c.language ?? 'en').slice(0, 2).toLowerCase();
  const prompt = (PROMPTS[language] ?? PROMPTS.en!)[survey.kind];
  if (survey.channel !== 'email') return prompt;
  const token = surveyToken(ctx.linkSecret, { tenant: c.tenant, customer: c.customer, conversation: c.id, surveyId: survey.surveyId, kind: survey.kind });
  const scores = survey.kind === 'csat' ? [1, 2, 3, 4, 5] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  return [prompt.replace(/Reply with a number.*$/, 'Choose a score:'), '', ...scores.map((s) => `${s}: ${surveyLink(ctx.publicUrl, token, s)}`)].join('\n');
}
