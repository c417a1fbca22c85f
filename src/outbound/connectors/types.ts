import type { OutboundJobData } from '../job.ts';

/** A message ready to hand to a provider: the job with its recipient resolved. */
export type OutboundMessage = OutboundJobData & { handle: string };

export interface SendResult {
  /** The provider's id of the message (Twilio SID, wamid, Message-ID, ...), when it gave one. */
  providerMessageId: string | null;
}

export interface Connector {
  /**
   * Hands the message to the provider. `idempotencyKey` is the same on every attempt of one message;
   * connectors pass it wherever the provider's API takes one. Throws PermanentDeliveryError when a
   * retry cannot help, any other error when it may.
   */
  send(message: OutboundMessage, idempotencyKey: string): Promise<SendResult>;
  /**
   * Did the provider already take this message? Asked before sending again when an earlier attempt
   * ended without an outcome (the worker died, or the call timed out, after the provider may have
   * taken it). Answers the provider's record as a SendResult, or null when it shows none dated
   * `since` or later that the connector can match (the message is then sent). Throws when the provider cannot be asked now (the processor retries rather than send
   * blind); PermanentDeliveryError when it refuses to be asked at all (the message is then sent again,
   * as by a connector without a lookup). Only where the provider lets us list what it accepted.
   */
  lookup?(message: OutboundMessage, idempotencyKey: string, since: Date): Promise<SendResult | null>;
  close?(): Promise<void>;
}

/** The provider refused the message for good (bad recipient, bad credentials, no route): no retry. */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}

/**
 * The provider answered and did not take the message, but a retry may succeed (a 5xx, a rate limit).
 * Unlike a timeout or a dropped connection, the attempt's outcome is known, so the next attempt need
 * not ask the provider whether it took the message.
 */
export class RefusedForNowError extends Error {
  override name = 'RefusedForNowError';
}
