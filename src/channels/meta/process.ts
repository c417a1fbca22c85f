import { EventValidationError } from '../../../events/index.ts';
import { RecordTooLargeError } from '../../log/event-log.ts';
import type { ChannelContext } from '../context.ts';
import { messageTooLarge } from '../limits.ts';
import type { MetaBody, MetaUnit } from './items.ts';
import { appendStatus } from './status-event.ts';

/** What a refused piece of the body is kept with. */
export interface Refusal {
  tenant: string | null;
  /** The unit's own body (kept), or the request's bytes when the whole body is refused. */
  raw: MetaBody | Buffer;
  reason: string;
}

/**
 * Turns a verified body's units into events, in body order (one customer's messages keep their
 * order). LogUnavailableError and IngestInProgressError propagate: the caller answers 503 and Meta
 * sends the whole body again, whose already-appended messages the ingestor drops as duplicates.
 * A piece that can never succeed (unknown route, unreadable, invalid) is returned to be kept aside
 * instead, so it does not hold back the rest.
 */
export async function processUnits(ctx: ChannelContext, units: MetaUnit[], log: ChannelContext['logger']): Promise<Refusal[]> {
  const refusals: Refusal[] = [];
  const routes = ctx.config.channels.meta.routes;
  for (const unit of units) {
    for (const item of unit.items) if (item.kind === 'ignored') log.debug({ what: item.what }, 'meta webhook item ignored');
    const actionable = unit.items.filter((i) => i.kind !== 'ignored');
    if (actionable.length === 0) continue;
    const route = unit.routeId !== undefined && Object.hasOwn(routes, unit.routeId) ? routes[unit.routeId] : undefined;
    if (!route) {
      const invalid = actionable.find((i) => i.kind === 'invalid');
      const reason = unit.routeId !== undefined ? `no route for Meta id ${unit.routeId.slice(0, 64)} (channels.meta.routes)` : invalid?.kind === 'invalid' ? invalid.reason : 'no page or phone number id';
      refusals.push({ tenant: null, raw: unit.raw, reason });
      continue;
    }
    const tenant = route.tenant;
    for (const item of actionable) {
      if (item.kind === 'invalid') refusals.push({ tenant, raw: unit.raw, reason: item.reason });
      else if (item.kind === 'message') {
        // Refused before ingesting: the ingestor would resolve (create) the customer before finding out.
        if (item.message.text === '' && !item.message.attachments?.length) {
          refusals.push({ tenant, raw: unit.raw, reason: `${item.message.provider} message ${item.message.providerMessageId}: no text and no attachments` });
          continue;
        }
        const id = `${item.message.provider} message ${item.message.providerMessageId?.slice(0, 128)}`;
        // Refused before ingesting too: it could never be one record on the log, however often Meta sent it.
        const tooLarge = messageTooLarge(item.message, ctx.config);
        if (tooLarge) {
          refusals.push({ tenant, raw: unit.raw, reason: `${id}: message_too_large: ${tooLarge}` });
          continue;
        }
        try {
          const outcome = await ctx.ingestor.ingest({ ...item.message, tenant });
          if (outcome.status === 'rejected') refusals.push({ tenant, raw: unit.raw, reason: `${id}: ${outcome.reason}` });
        } catch (err) {
          if (!(err instanceof RecordTooLargeError)) throw err;
          refusals.push({ tenant, raw: unit.raw, reason: `${id}: message_too_large: ${err.message}` });
        }
      } else if (item.kind === 'status') {
        try {
          const outcome = await appendStatus(ctx, tenant, item.status);
          if (outcome.status === 'skipped') log.warn({ tenant, provider: item.status.provider, providerMessageId: item.status.providerMessageId, why: outcome.why }, 'status report skipped');
        } catch (err) {
          if (!(err instanceof EventValidationError) && !(err instanceof RecordTooLargeError)) throw err;
          refusals.push({ tenant, raw: unit.raw, reason: `${item.status.provider} status ${item.status.providerMessageId ?? `watermark ${item.status.watermark}`}: ${err.message}` });
        }
      }
    }
  }
  return refusals;
}
