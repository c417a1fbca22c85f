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
  close?(): Promise<void>;
}

/** The provider refused the message for good (bad recipient, bad credentials, no route): no retry. */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}
