import type { WorkflowContext } from '../context.ts';
import { sweepTenant } from '../../retention/sweep.ts';
import type { StepJob } from './step.ts';

/** The scheduled retention sweep of one tenant (src/retention/sweep.ts), with the settings as they are now. */
export async function retentionStep(ctx: WorkflowContext, job: StepJob): Promise<string> {
  const { tenant } = job.data;
  const retentionMs = ctx.tenants(tenant).retention.textMs;
  if (retentionMs === null) return 'no retention configured';
  if (!ctx.retention) return 'nothing is sealed: retention needs privacy.activeMasterKey';
  const outcome = await sweepTenant(ctx.retention, tenant, retentionMs);
  if (outcome.expired > 0) ctx.logger.info({ tenant, expired: outcome.expired, kept: outcome.kept }, 'retention: message text expired');
  return `expired ${outcome.expired} month key(s) of ${outcome.customers} customer(s)`;
}
