import type { Job } from 'bullmq';
import { StepMustWait, type WorkflowContext } from './context.ts';
import { loadFor } from './load.ts';
import { botStep } from './steps/bot.ts';
import { drainTenant } from './steps/drain.ts';
import { routeStep } from './steps/route.ts';
import type { StepJob } from './steps/step.ts';
import { surveyAnsweredStep } from './steps/survey-answered.ts';
import { surveyStep } from './steps/survey.ts';
import { timerStep } from './steps/timer.ts';
import { triageStep } from './steps/triage.ts';
import type { WorkflowJobData } from './trigger-queue.ts';

/** Runs one workflow job: read the projection, decide with the domain, publish events. */
export function workflowProcessor(ctx: WorkflowContext) {
  const load = (job: StepJob) => loadFor(ctx, { ...job.data, ...(job.data.partition >= 0 ? { offset: job.data.offset } : {}) });
  return async (job: Job<WorkflowJobData>): Promise<string> => {
    const step: StepJob = { id: String(job.id), data: job.data };
    const t = job.data.trigger;
    try {
      switch (t.kind) {
        case 'triage':
          return await triageStep(ctx, step);
        case 'route':
          return await routeStep(ctx, step, load);
        case 'drain':
          return await drainTenant(ctx, step);
        case 'bot':
          return await botStep(ctx, step, load);
        case 'survey':
          return await surveyStep(ctx, step, await load(step), t.resolvedAt);
        case 'survey-send':
          return await surveyStep(ctx, step, await load(step), t.resolvedAt);
        case 'survey-answered':
          return await surveyAnsweredStep(ctx, step, await load(step), t);
        case 'timer':
          return await timerStep(ctx, { id: step.id, timer: t.timer });
        default: {
          const unknown: never = t;
          return `unknown step ${JSON.stringify(unknown)}`;
        }
      }
    } catch (err) {
      // Waiting for the fold is normal (jobs are enqueued before their commit); say so quietly.
      if (err instanceof StepMustWait) ctx.logger.debug({ jobId: job.id, reason: err.message }, 'workflow step waits');
      else ctx.logger.warn({ err, jobId: job.id, step: t.kind }, 'workflow step failed; retrying');
      throw err;
    }
  };
}
