import { LogUnavailableError, RecordTooLargeError } from '../../log/event-log.ts';
import type { ChannelContext } from '../context.ts';
import { IngestInProgressError } from '../ingest.ts';
import { MESSAGE_TOO_LARGE, messageTooLarge } from '../limits.ts';
import { toInboundMessages, type MailContent, type MailSettings, type MailSource } from './parse.ts';

/** What the transport answers: SMTP 250 / 5xx / 451, HTTP 200 / 400 / 503. */
export type ReceiveOutcome =
  /** Every tenant's event is on the log (`duplicate` when all of them already were). */
  | { kind: 'accepted'; eventIds: string[]; duplicate: boolean }
  /** The input cannot become an event; it is kept on the rejected-input topic with this reason. */
  | { kind: 'rejected'; reason: string; code: string }
  /** Kafka (or a concurrent delivery of the same message) is in the way: the sender should retry. */
  | { kind: 'unavailable'; reason: string };

export interface ReceiveInput {
  provider: MailSource['provider'];
  /** What is kept on the rejected-input topic if the mail is refused: the input exactly as received. */
  received: { body: Buffer; contentType: string };
  receivedAt: Date;
  /** Parses the input; a throw means it is not a mail we can read (rejected with the error's message). */
  load(): Promise<{ mail: MailContent; source: MailSource }>;
}

export function mailSettings(ctx: ChannelContext): MailSettings {
  return {
    addresses: new Map(Object.entries(ctx.config.channels.email.addresses)),
    store: ctx.attachments,
    maxAttachmentBytes: ctx.config.channels.attachments.maxBytes,
  };
}

/**
 * The steps the SMTP listener and the webhook share: parse, one InboundMessage per tenant, ingest
 * each; refused input is kept with its reason. Storage and Redis failures propagate (the caller's
 * transport turns them into a temporary failure).
 */
export async function receiveMail(ctx: ChannelContext, settings: MailSettings, input: ReceiveInput): Promise<ReceiveOutcome> {
  // Logs get the code only: reasons quote addresses, and log lines must not carry handles.
  const reject = async (tenant: string | null, code: string, reason: string): Promise<ReceiveOutcome> => {
    try {
      await ctx.rejected.keep({ tenant, provider: input.provider, contentType: input.received.contentType, body: input.received.body, reason, receivedAt: input.receivedAt.toISOString() });
    } catch (err) {
      // Refusing for good what we could not keep would lose it: ask for the mail again instead.
      return { kind: 'unavailable', reason: `cannot keep the rejected input (${(err as Error).message})` };
    }
    ctx.logger.info({ provider: input.provider, tenant, code }, 'email rejected');
    return { kind: 'rejected', reason, code };
  };

  let loaded: Awaited<ReturnType<ReceiveInput['load']>>;
  try {
    loaded = await input.load();
  } catch (err) {
    return reject(null, 'unreadable', `not a readable e-mail: ${(err as Error).message}`);
  }
  const result = await toInboundMessages(loaded.mail, loaded.source, settings);
  if (!result.ok) return reject(result.tenant, result.code, result.reason);

  // The text is cut and attachments listed up to a bound, so a mail fits; checked all the same.
  const first = result.messages[0];
  const tooLarge = first && messageTooLarge(first, ctx.config);
  if (first && tooLarge) return reject(first.tenant, MESSAGE_TOO_LARGE, tooLarge);

  const eventIds: string[] = [];
  let duplicates = 0;
  for (const message of result.messages) {
    try {
      const outcome = await ctx.ingestor.ingest(message);
      if (outcome.status === 'rejected') return reject(message.tenant, 'invalid_event', outcome.reason);
      eventIds.push(outcome.eventId);
      if (outcome.status === 'duplicate') duplicates++;
    } catch (err) {
      if (err instanceof LogUnavailableError || err instanceof IngestInProgressError) return { kind: 'unavailable', reason: err.message };
      if (err instanceof RecordTooLargeError) return reject(message.tenant, MESSAGE_TOO_LARGE, err.message);
      throw err;
    }
  }
  ctx.logger.info({ provider: input.provider, tenants: result.messages.map((m) => m.tenant), eventIds, duplicate: duplicates === eventIds.length }, 'email received');
  return { kind: 'accepted', eventIds, duplicate: duplicates === eventIds.length };
}
