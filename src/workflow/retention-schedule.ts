import type { Queue } from 'bullmq';
import type { TenantRegistry } from '../config/policies.ts';
import type { Logger } from '../observability/logger.ts';
import type { WorkflowJobData } from './trigger-queue.ts';

const SCHEDULER_PREFIX = 'retention:';

/**
 * One BullMQ job scheduler per tenant whose file sets `retention.text`: the sweep runs every
 * `everyMs` on whichever workflow replica takes the tick's job, however many replicas run. Should a
 * sweep outlast its interval and two overlap, no harm: a key is destroyed only if it still stands.
 * Schedulers of tenants that no longer set it are removed, so a setting taken out stops.
 */
export async function scheduleRetention(queue: Queue<WorkflowJobData>, options: { tenants: readonly string[]; registry: TenantRegistry; everyMs: number; sealing: boolean; logger: Logger }): Promise<string[]> {
  const wanted = options.tenants.filter((t) => options.registry(t).retention.textMs !== null);
  if (wanted.length > 0 && !options.sealing) {
    options.logger.warn({ tenants: wanted }, 'retention.text is set but nothing is sealed (privacy.activeMasterKey): message text cannot expire');
    wanted.length = 0;
  }
  for (const scheduler of await queue.getJobSchedulers()) {
    const id = scheduler.key;
    if (id.startsWith(SCHEDULER_PREFIX) && !wanted.includes(id.slice(SCHEDULER_PREFIX.length))) await queue.removeJobScheduler(id);
  }
  for (const tenant of wanted) {
    const data: WorkflowJobData = { tenant, customer: '', conversationId: '', partition: -1, offset: '-1', trigger: { kind: 'retention' } };
    await queue.upsertJobScheduler(`${SCHEDULER_PREFIX}${tenant}`, { every: options.everyMs }, { name: 'retention', data, opts: { removeOnComplete: 100, removeOnFail: 100 } });
  }
  return wanted;
}
