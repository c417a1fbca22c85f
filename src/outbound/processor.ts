import { UnrecoverableError, type Job } from 'bullmq';
import { nanoid } from 'nanoid';
import type { AnyEvent } from '../../events/index.ts';
import type { ProjectionReader } from '../projections/reader.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Logger } from '../observability/logger.ts';
import { countOutboundDelivery } from '../observability/metrics.ts';
import type { Connectors } from './connectors/registry.ts';
import { PermanentDeliveryError, RefusedForNowError, type Connector, type OutboundMessage, type SendResult } from './connectors/types.ts';
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
  /** Opens the message's sealed text, subject, files' names and recipient, in memory only. */
  open?: <T>(tenant: string, value: T) => Promise<T>;
  now?: () => Date;
}

export type DeliveryOutcome = { delivered: 'now' | 'before'; providerMessageId: string | null };

/**
 * How much earlier than the reply's event time the provider may date its record of the message
 * and still be taken for it. The call comes after the event, so only clocks apart (ours, the
 * producer's that set the event's time, the provider's; and records dated to the second) need
 * room; a wider window takes more earlier messages of the same text for this one.
 */
export const LOOKUP_SKEW_MS = 5 * 60_000;

/**
 * Delivers one message. The provider is called at most once per success: a retry, a stalled job
 * run again, or the same message enqueued anew finds `sent` in the delivery state and only
 * (re)writes the status event. Failures are retried by BullMQ with back-off; after the last attempt
 * (or at once, for a failure no retry can mend) `failed` goes on the log.
 *
 * An attempt that ended without an outcome (the worker died mid-call, or the call timed out) may
 * have reached the provider: before calling again, the next attempt asks the provider whether it
 * took the message (Connector.lookup), and if it did, records that instead of sending it twice.
 */
export function outboundProcessor(deps: ProcessorDeps) {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'outbound' });
  const append = (event: AnyEvent) => deps.eventLog.append([event]);

  return async (job: Job<OutboundJobData>): Promise<DeliveryOutcome> => {
    // The job in Redis keeps them sealed, as on the log: only this attempt sees the plaintext.
    const data = deps.open ? await deps.open(job.data.tenant, job.data) : job.data;
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

    let providerMessageId: string | null = null;
    let foundEarlier = false;
    // An earlier attempt may have reached the provider, and no lookup has said otherwise yet. With
    // `called`, it decides what a failure leaves: `refused` only when nothing can have reached it.
    let earlierUnknown = claim.previous === 'sending';
    let called = false;
    try {
      const connector = deps.connectors.for(data.channel, data.provider);
      if (!connector) throw new PermanentDeliveryError(`no outbound connector for ${data.channel}/${data.provider}`);
      const found = await resolveRecipient(deps.reader, data);
      const handle = found && deps.open ? await deps.open(data.tenant, found) : found;
      if (!handle) throw new Error('no recipient yet: the conversation is not in the projection');
      const message: OutboundMessage = { ...data, handle };
      if (earlierUnknown) {
        const earlier = await askProvider(connector, message, context);
        if (earlier === 'absent') earlierUnknown = false;
        else if (earlier !== 'unknown') {
          providerMessageId = earlier.providerMessageId;
          foundEarlier = true;
        }
      }
      if (!foundEarlier) {
        called = true;
        ({ providerMessageId } = await connector.send(message, data.messageId));
      }
    } catch (err) {
      const answered = err instanceof RefusedForNowError || err instanceof PermanentDeliveryError;
      const refused = !earlierUnknown && (!called || answered);
      await deps.state.release(data.tenant, data.messageId, token, refused).catch(() => undefined);
      const reason = (err as Error).message;
      const final = err instanceof PermanentDeliveryError || attempt >= (job.opts.attempts ?? 1);
      // Providers quote the recipient in their errors; log lines carry no handles (see the logger).
      const logged = data.handle ? reason.replaceAll(data.handle, '[handle]') : reason;
      log[final ? 'error' : 'warn']({ ...context, reason: logged }, final ? 'delivery failed for good' : 'delivery failed; will retry');
      countOutboundDelivery(data.channel, data.provider, final ? 'failed' : 'retried');
      if (!final) throw err;
      await append(statusEvent(data, 'failed', now(), { error: reason, attempts: attempt }));
      await deps.state.markFailed(data.tenant, data.messageId);
      throw new UnrecoverableError(reason);
    }
    await deps.state.markSent(data.tenant, data.messageId, providerMessageId ?? '');
    await report(data, providerMessageId, attempt);
    log.info(context, foundEarlier ? 'delivered by an earlier attempt' : 'delivered');
    countOutboundDelivery(data.channel, data.provider, 'delivered');
    return { delivered: foundEarlier ? 'before' : 'now', providerMessageId };
  };

  /**
   * After an attempt that ended without an outcome: did the provider take the message? Its record
   * ('found'), 'absent' (send it), or 'unknown' (the connector cannot ask, or the provider refuses
   * the question for good: send it again, as before lookups). A lookup that fails for now throws, so
   * the job is retried rather than the message sent blind.
   */
  async function askProvider(connector: Connector, message: OutboundMessage, context: Record<string, unknown>): Promise<SendResult | 'absent' | 'unknown'> {
    if (!connector.lookup) {
      log.warn(context, 'an earlier attempt ended without an outcome and this provider cannot be asked; sending again with the same idempotency key');
      return 'unknown';
    }
    const since = new Date(Date.parse(message.at) - LOOKUP_SKEW_MS);
    let found: SendResult | null;
    try {
      found = await connector.lookup(message, message.messageId, since);
    } catch (err) {
      const reason = (err as Error).message.replaceAll(message.handle, '[handle]');
      if (err instanceof PermanentDeliveryError) {
        log.error({ ...context, reason }, 'an earlier attempt ended without an outcome and the provider refuses the lookup; sending again');
        return 'unknown';
      }
      log.warn({ ...context, reason }, 'an earlier attempt ended without an outcome and the provider could not be asked; retrying later rather than sending blind');
      throw new Error(`could not ask the provider whether an earlier attempt reached it: ${(err as Error).message}`, { cause: err });
    }
    if (found) {
      log.warn({ ...context, providerMessageId: found.providerMessageId }, 'an earlier attempt ended without an outcome, but the provider has the message; recording it, not sending again');
      return found;
    }
    log.warn(context, 'an earlier attempt ended without an outcome and the provider shows no such message; sending it');
    return 'absent';
  }

  async function report(data: OutboundJobData, providerMessageId: string | null, attempts: number): Promise<void> {
    await append(statusEvent(data, 'sent', now(), { ...(providerMessageId ? { providerMessageId } : {}), attempts }));
    await deps.state.markReported(data.tenant, data.messageId);
  }
}
