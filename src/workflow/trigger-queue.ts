import type { DueTimer } from '../domain/fold/timers.ts';
import type { WorkflowTrigger } from '../domain/fold/triggers.ts';
import type { PositionedTrigger } from '../projections/steps.ts';

/** What a workflow job runs: a fold trigger, a timer that came due, or a step's own follow-up. */
export type WorkflowStep = WorkflowTrigger | { kind: 'timer'; timer: DueTimer } | { kind: 'survey-send'; resolvedAt: string; surveyId: string } | { kind: 'retention' };

/** A workflow job's data: the step, and the position the projection must reach before deciding (-1: none). */
export interface WorkflowJobData {
  tenant: string;
  customer: string;
  conversationId: string;
  partition: number;
  offset: string;
  trigger: WorkflowStep;
  /** A drain handed over by one that held the lock long enough: only these routing groups (see steps/drain.ts). */
  groups?: string[];
  /** Written while the step cannot run yet (the fold has not reached its event): since when (epoch ms) and how often it was put back. */
  waiting?: { since: number; times: number };
}

/** Completed and failed jobs are kept this long: their ids keep a re-fold from asking again. */
export const KEEP_SECONDS = 7 * 24 * 3600;

export const jobOptions = (jobId: string, delay = 0) => ({
  jobId,
  delay,
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: KEEP_SECONDS },
  removeOnFail: { age: KEEP_SECONDS },
});

/** The job a step the fold asked for becomes: its id comes from the transition, so asking twice makes one job. */
export function stepJob(step: PositionedTrigger): { name: string; data: WorkflowJobData; opts: ReturnType<typeof jobOptions> } {
  const { trigger, tenant, customer, partition, offset } = step;
  return { name: trigger.kind, data: { tenant, customer, conversationId: trigger.conversationId, partition, offset, trigger }, opts: jobOptions(trigger.jobId) };
}
