import type { FastifyReply } from 'fastify';
import type { AnyEvent } from '../../../events/index.ts';
import { sendError } from '../../http/errors.ts';
import { LogUnavailableError, type EventLog } from '../../log/event-log.ts';

const RETRY_AFTER_SECONDS = '5';

/**
 * Appends and reports whether Kafka acknowledged. When it did not, the reply is already a 503 (the
 * caller retries; with an Idempotency-Key the retry is the same event).
 */
export async function appendOr503(eventLog: EventLog, events: AnyEvent[], reply: FastifyReply): Promise<boolean> {
  try {
    await eventLog.append(events);
    return true;
  } catch (err) {
    if (!(err instanceof LogUnavailableError)) throw err;
    reply.request.log.warn({ tenant: reply.request.tenant, reason: err.message }, 'event log unavailable');
    reply.header('retry-after', RETRY_AFTER_SECONDS);
    sendError(reply, 503, 'log_unavailable', 'the event log is unavailable; retry later');
    return false;
  }
}

/** JSON-schema fragment for ids and handles: printable, as the event contract requires. */
export const printableString = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }) as const;
