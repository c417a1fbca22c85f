import type { WorkflowTrigger } from '../domain/fold/triggers.ts';

/** A workflow trigger with the log position that caused it: its job waits until the projection has it. */
export interface PositionedTrigger {
  trigger: WorkflowTrigger;
  tenant: string;
  customer: string;
  partition: number;
  offset: string;
}

/**
 * A step's member in the steps set: the positioned trigger as JSON. Folding the same events again
 * gives the same member, and ZADD keeps one.
 */
export const stepMember = (t: PositionedTrigger) => JSON.stringify(t);
