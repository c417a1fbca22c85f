import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createEvent, deterministicEventId, type AnyEvent, type EventDataInput, type EventType } from '../../events/index.ts';
import type { TenantRegistry } from '../config/policies.ts';
import type { FoldPolicies } from '../domain/fold/policy.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Logger } from '../observability/logger.ts';
import type { SweepDeps } from '../retention/sweep.ts';
import type { WorkflowJobData } from './trigger-queue.ts';
import type { ProjectionView } from './view.ts';

/** What every workflow step works with: it reads projections, decides, and publishes events. */
export interface WorkflowContext {
  redis: Redis;
  view: ProjectionView;
  tenants: TenantRegistry;
  policies: FoldPolicies;
  eventLog: EventLog;
  queue: Queue<WorkflowJobData>;
  /** Keys of the workflow's own bookkeeping (routing locks and requests, assignments in flight). */
  instance: string;
  /** Public base URL (survey links in e-mail). */
  publicUrl: string;
  /** Signs survey links. */
  linkSecret: string;
  logger: Logger;
  /** Workflow steps are doors in time: a decision's events carry the time it was made. */
  now(): Date;
  /** What the retention sweep works with; null when nothing is sealed (then no text can be made unreadable). */
  retention: SweepDeps | null;
}

/** The bot's author id on the messages it writes. */
export const BOT_ID = 'kb-bot';

/**
 * An event a step publishes. Its id comes from the step's job id (and a part naming which of the
 * step's events it is), so a retried job publishes the same events and the fold keeps one of each.
 */
export function stepEvent<T extends EventType>(
  ctx: WorkflowContext,
  job: { id: string; step: string },
  part: string,
  e: { type: T; tenant: string; customer: string; conversation?: string; data: EventDataInput<T>; time?: string },
): AnyEvent {
  return createEvent({
    type: e.type,
    id: deterministicEventId(e.tenant, 'workflow', job.id, `${e.type}/${part}`),
    source: `/workflow/${job.step}`,
    tenant: e.tenant,
    customer: e.customer,
    ...(e.conversation ? { conversation: e.conversation } : {}),
    time: e.time ?? ctx.now().toISOString(),
    data: e.data,
  } as Parameters<typeof createEvent<T>>[0]) as AnyEvent;
}

/**
 * The step cannot run yet (the projection reads use has not reached its event): the processor puts
 * it back in the delayed set for a short while without spending an attempt, up to a time limit
 * (processor.ts). A routing lock held by another drain is no reason to wait: the request is
 * coalesced into that drain (steps/drain.ts).
 */
export class StepMustWait extends Error {
  override name = 'StepMustWait';
}
