import { UnrecoverableError, type Job } from 'bullmq';
import { nanoid } from 'nanoid';
import type { AnyEvent } from '../../events/index.ts';
import type { ProjectionReader } from '../projections/reader.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Logger } from '../observability/logger.ts';
import type { Connectors } from './connectors/registry.ts';
import { PermanentDeliveryError } from './connectors/types.ts';
import type { DeliveryState } from './delivery-state.ts';
import type { OutboundJobData } from './job.ts';
import { resolveRecipient } from './recipient.ts';
import { statusEvent } from './status.ts';

export interface ProcessorDeps {
  state: DeliveryState;
  connectors: Connectors;
  eventLog: EventLog;
  reader: ProjectionReader;
  logger: Logger;
  now?: () => Date;
}

export type DeliveryOutcome = { delivered: 'now' | 'before'; providerMessageId: string | null };

/**
 * Delivers one message. The provider is called at most once per success: a retry, a stalled job
 * run again, or the same message enqueued anew finds `sent` in the delivery state and only
 * (re)writes the status event. Failures are retried by BullMQ with back-off; after the last attempt
 * (or at once, for a failure no retry can mend) `failed` goes on the log.
 */
export function outboundProcessor(deps: ProcessorDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'outbound' });
  const append = (event: AnyEvent) => deps.eventLog.append([event]);

  return async (job: Job<OutboundJobData>): Promise<DeliveryOutcome> => {
    const data = job.data;
    const attempt = job.attemptsMade + 1;
    const context = { jobId: job.id, tenant: data.tenant, messageId: data.messageId, provider: data.provider, attempt };
    const token = `${job.id}/${attempt}/${nanoid(8)}`;

    const claim = await deps.state.claim(data.tenant, data.messageId, token);
    if (claim.outcome === 'reported') return { delivered: 'before', providerMessageId: claim.providerMessageId || null };
    if (claim.outcome === 'sent') {
      // Delivered, but the worker stopped before the status reached the log: write it now.
      await report(data, claim.providerMessageId || null, attempt);
      return { delivered: 'before', providerMessageId: claim.providerMessageId || null };
    }
    if (claim.outcome === 'busy') throw new Error('another attempt of this message is in flight');
    if (claim.previous === 'sending') log.warn(context, 'an earlier attempt ended without an outcome; sending again with the same idempotency key');

    let providerMessageId: string | null;
    try {
      const connector = deps.connectors.for(data.channel, data.provider);
      if (!connector) throw new PermanentDeliveryError(`no outbound connector for ${data.channel}/${data.provider}`);
      const handle = await resolveRecipient(deps.reader, data);
      if (!handle) throw new Error('no recipient yet: the conversation is not in the projection');
      ({ providerMessageId } = await connector.send({ ...data, handle }, data.messageId));
    } catch (err) {
      await deps.state.release(data.tenant, data.messageId, token).catch(() => undefined);
      const reason = (err as Error).message;
      const final = err instanceof PermanentDeliveryError || attempt >= (job.opts.attempts ?? 1);
      // Providers quote the recipient in their errors; log lines carry no handles (see the logger).
      const logged = data.handle ? reason.replaceAll(data.handle, '[handle]') : reason;
      log[final ? 'error' : 'warn']({ ...context, reason: logged }, final ? 'delivery failed for good' : 'delivery failed; will retry');
      if (!final) throw err;
      await append(statusEvent(data, 'failed', now(), { error: reason, attempts: attempt }));
      await deps.state.markFailed(data.tenant, data.messageId);
      throw new UnrecoverableError(reason);
    }
    await deps.state.markSent(data.tenant, data.messageId, providerMessageId ?? '');
    await report(data, providerMessageId, attempt);
    log.info(context, 'delivered');
    return { delivered: 'now', providerMessageId };
  };

  async function report(data: OutboundJobData, providerMessageId: string | null, attempts: number): Promise<void> {
    await append(statusEvent(data, 'sent', now(), { ...(providerMessageId ? { providerMessageId } : {}), attempts }));
    await deps.state.markReported(data.tenant, data.messageId);
  }
}
