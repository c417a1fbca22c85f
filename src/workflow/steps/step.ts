import type { WorkflowJobData } from '../trigger-queue.ts';

/** A workflow job as a step sees it: its id (events derive theirs from it) and its data. */
export interface StepJob {
  id: string;
  data: WorkflowJobData;
}
