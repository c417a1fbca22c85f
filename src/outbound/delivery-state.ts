import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { outboundKeys } from '../projections/keys.ts';

/**
 * Per message: has the provider been called successfully? A state machine rather than a SET NX
 * before the call, because a failed call must be retried, and a retry must not repeat a call that
 * succeeded (the worker may die between the provider's answer and the job's completion).
 *
 *   (none) ─claim─▶ sending ─provider ok─▶ sent ─status event appended─▶ reported
 *                      │  ▲  └─last attempt failed─▶ failed (a manual retry may claim it again)
 *     provider refused │  │ claim
 *                      ▼  │
 *                    refused
 *
 * `sending` carries a lease: while another attempt holds it (a stalled job run twice at once), a
 * claim answers busy. After a crash mid-call the lease runs out and the next attempt finds
 * `sending`: the provider may have taken the message, so it asks the provider (where a connector
 * can) before calling again, with the same idempotency key where the provider takes one. An attempt
 * that knows the provider did not take it (an error answer, or no call made) leaves `refused`
 * instead, and the next attempt calls without asking.
 */
export type ClaimResult =
  | { outcome: 'claimed'; previous: 'sending' | null }
  | { outcome: 'busy' }
  | { outcome: 'sent'; providerMessageId: string }
  | { outcome: 'reported'; providerMessageId: string };

const CLAIM = readFileSync(new URL('./delivery-claim.lua', import.meta.url), 'utf8');
const RELEASE = readFileSync(new URL('./delivery-release.lua', import.meta.url), 'utf8');

/** Kept well beyond the week BullMQ keeps a finished job, so a late re-enqueue is still recognised. */
const STATE_TTL_SECONDS = 30 * 24 * 3600;

export class DeliveryState {
  private readonly keys: ReturnType<typeof outboundKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
    /** Longer than a provider call may take. */
    private readonly leaseMs: number,
  ) {
    this.keys = outboundKeys(instance);
  }

  key(tenant: string, messageId: string): string {
    return this.keys.delivery(tenant, messageId);
  }

  private lease(tenant: string, messageId: string): string {
    return this.keys.lease(tenant, messageId);
  }

  async claim(tenant: string, messageId: string, token: string): Promise<ClaimResult> {
    const [outcome, detail] = (await this.redis.eval(CLAIM, 2, this.key(tenant, messageId), this.lease(tenant, messageId), token, this.leaseMs, STATE_TTL_SECONDS)) as [string, string];
    if (outcome === 'sent') return { outcome, providerMessageId: detail };
    if (outcome === 'reported') return { outcome, providerMessageId: detail };
    if (outcome === 'busy') return { outcome };
    return { outcome: 'claimed', previous: detail === 'sending' ? 'sending' : null };
  }

  /** The provider accepted the message: no later attempt calls it again. */
  async markSent(tenant: string, messageId: string, providerMessageId: string): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(tenant, messageId), 'state', 'sent', 'providerMessageId', providerMessageId)
      .expire(this.key(tenant, messageId), STATE_TTL_SECONDS)
      .del(this.lease(tenant, messageId))
      .exec();
  }

  async markReported(tenant: string, messageId: string): Promise<void> {
    await this.redis.hset(this.key(tenant, messageId), 'state', 'reported');
  }

  /**
   * A failed attempt gives the lease back so the retry need not wait for it to run out; `refused`
   * when it knows the provider did not take the message.
   */
  async release(tenant: string, messageId: string, token: string, refused = false): Promise<void> {
    await this.redis.eval(RELEASE, 2, this.lease(tenant, messageId), this.key(tenant, messageId), token, refused ? 'refused' : '');
  }

  /**
   * After the last attempt: the message is settled, so a redelivered batch does not queue it again.
   * A claim still succeeds, so an operator may retry the failed job by hand.
   */
  async markFailed(tenant: string, messageId: string): Promise<void> {
    await this.redis.hset(this.key(tenant, messageId), 'state', 'failed');
  }

  /** Messages among these that were delivered or gave up for good (to skip on a redelivered batch). */
  async settled(items: ReadonlyArray<{ tenant: string; messageId: string }>): Promise<boolean[]> {
    if (items.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const i of items) pipeline.hget(this.key(i.tenant, i.messageId), 'state');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, state]) => !err && (state === 'sent' || state === 'reported' || state === 'failed'));
  }
}
