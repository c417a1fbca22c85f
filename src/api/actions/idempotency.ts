import type { Redis } from 'ioredis';
import { actionKeys } from '../../projections/keys.ts';

/** How long a finished action is remembered: a client's retries come within minutes, at worst days. */
const RECEIPT_SECONDS = 7 * 24 * 3600;

/** The Idempotency-Key header's value: undefined without one, null when it is unusable. */
export function idempotencyKey(header: string | string[] | undefined): string | undefined | null {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined) return undefined;
  return /^[^\x00-\x1f\x7f]{1,256}$/.test(value) ? value : null;
}

/**
 * Receipts of actions Kafka acknowledged, by event id. An action is checked against the state, and
 * once its event is folded the state refuses it ("already resolved"): without a receipt, a client
 * retrying after a lost answer would get a 409 for its own success. With one, the retry is answered
 * 202 with the same event id, as the first request was. A retry that arrives before the receipt
 * (the first is still in flight) appends the same event id again, which the fold drops.
 */
export class ActionReceipts {
  private readonly keys: ReturnType<typeof actionKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
  ) {
    this.keys = actionKeys(instance);
  }

  private key(tenant: string, eventId: string): string {
    return this.keys.receipt(tenant, eventId);
  }

  async done(tenant: string, eventId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(tenant, eventId))) === 1;
  }

  async record(tenant: string, eventId: string): Promise<void> {
    await this.redis.set(this.key(tenant, eventId), 'done', 'EX', RECEIPT_SECONDS);
  }
}
