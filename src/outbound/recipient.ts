import type { ProjectionReader } from '../projections/reader.ts';
import type { OutboundJobData } from './job.ts';

/**
 * The recipient of a message that named none (bots and workflow steps may leave it to the
 * conversation): the conversation's reply identity when it is on the same provider, else the
 * customer's latest identity there. Null while the projection does not know yet (the fold may lag
 * the outbound consumer): the job retries.
 */
export async function resolveRecipient(reader: ProjectionReader, job: OutboundJobData): Promise<string | null> {
  if (job.handle) return job.handle;
  const scope = await reader.scope(job.tenant);
  if (job.conversation) {
    const conversation = await reader.conversation(scope, job.conversation);
    const to = conversation?.replyTo;
    if (to && to.provider === job.provider && to.channel === job.channel) return to.handle;
  }
  const customer = (await reader.customers(scope, [job.customer])).get(job.customer);
  const identity = customer?.identities.filter((i) => i.provider === job.provider && i.channel === job.channel).at(-1);
  return identity?.handle ?? null;
}
