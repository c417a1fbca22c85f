import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { StepMustWait, type WorkflowContext } from './context.ts';
import { loadFor } from './load.ts';
import { botStep } from './steps/bot.ts';
import { drainTenant } from './steps/drain.ts';
import { retentionStep } from './steps/retention.ts';
import { routeStep } from './steps/route.ts';
import type { StepJob } from './steps/step.ts';
import { surveyAnsweredStep } from './steps/survey-answered.ts';
import { surveyStep } from './steps/survey.ts';
import { timerStep } from './steps/timer.ts';
import { triageStep } from './steps/triage.ts';
import type { WorkflowJobData } from './trigger-queue.ts';

/** How long a step may wait for the fold to reach its event before it fails for good. */
export const FOLD_WAIT_LIMIT_MS = 10 * 60_000;

/** The n-th time a step is put back to wait (n from 1): 50 ms, doubling, at most 500 ms. */
export const waitDelayMs = (n: number) => Math.min(50 * 2 ** Math.max(0, n - 1), 500);

export interface ProcessorOptions {
  /** FOLD_WAIT_LIMIT_MS unless told (specs). */
  foldWaitLimitMs?: number;
}

/** Runs one workflow job: read the projection, decide with the domain, publish events. */
export function workflowProcessor(ctx: WorkflowContext, options: ProcessorOptions = {}) {
  const limitMs = options.foldWaitLimitMs ?? FOLD_WAIT_LIMIT_MS;
  const load = (job: StepJob) => loadFor(ctx, { ...job.data, ...(job.data.partition >= 0 ? { offset: job.data.offset } : {}) });
  const run = async (step: StepJob): Promise<string> => {
    const t = step.data.trigger;
    switch (t.kind) {
      case 'triage':
        return triageStep(ctx, step);
      case 'route':
        return routeStep(ctx, step, load);
      case 'drain':
        return drainTenant(ctx, step);
      case 'bot':
        return botStep(ctx, step, load);
      case 'survey':
        return surveyStep(ctx, step, await load(step), t.resolvedAt);
      case 'survey-send':
        return surveyStep(ctx, step, await load(step), t.resolvedAt);
      case 'survey-answered':
        return surveyAnsweredStep(ctx, step, await load(step), t);
      case 'timer':
        return timerStep(ctx, { id: step.id, timer: t.timer });
      case 'retention':
        return retentionStep(ctx, step);
      default: {
        const unknown: never = t;
        return `unknown step ${JSON.stringify(unknown)}`;
      }
    }
  };
  return async (job: Job<WorkflowJobData>, token?: string): Promise<string> => {
    try {
      return await run({ id: String(job.id), data: job.data });
    } catch (err) {
      if (err instanceof StepMustWait) return putBack(ctx, job, token, err, limitMs);
      const forGood = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (forGood) ctx.logger.error({ err, jobId: job.id, step: job.data.trigger.kind, tenant: job.data.tenant }, 'workflow step failed for good (cs steps dead lists it)');
      else ctx.logger.warn({ err, jobId: job.id, step: job.data.trigger.kind }, 'workflow step failed; retrying');
      throw err;
    }
  };
}

/**
 * The step cannot run yet (the fold has not reached its event): back into the delayed set for a
 * short while, growing (`waitDelayMs`), without spending one of its attempts (BullMQ's
 * `moveToDelayed` + `DelayedError`); attempts are for real errors. Waiting is normal (a rebuild
 * moving the reads, a fold behind), so it is said quietly; after `limitMs` of it the step fails for
 * good, saying why.
 */
async function putBack(ctx: WorkflowContext, job: Job<WorkflowJobData>, token: string | undefined, err: StepMustWait, limitMs: number): Promise<never> {
  const now = Date.now();
  const since = job.data.waiting?.since ?? now;
  if (now - since >= limitMs) {
    const reason = `gave up after waiting ${Math.round((now - since) / 1000)} s for the fold: ${err.message}`;
    ctx.logger.error({ jobId: job.id, step: job.data.trigger.kind, tenant: job.data.tenant, reason }, 'workflow step failed for good (cs steps dead lists it)');
    throw new UnrecoverableError(reason);
  }
  // Without the worker's token the job cannot be moved: let BullMQ retry it (never the case in a Worker).
  if (token === undefined) throw err;
  const times = (job.data.waiting?.times ?? 0) + 1;
  await job.updateData({ ...job.data, waiting: { since, times } });
  await job.moveToDelayed(now + waitDelayMs(times), token);
  ctx.logger.debug({ jobId: job.id, reason: err.message, times }, 'workflow step waits for the fold');
  throw new DelayedError();
}
