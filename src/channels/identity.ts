import type { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { identityKeys } from '../projections/keys.ts';

/**
 * Handle -> customer, per tenant. First sight creates the customer atomically (SET NX), so two
 * messages from a new number arriving at once still make one customer.
 */
export class IdentityStore {
  private readonly keys: ReturnType<typeof identityKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
  ) {
    this.keys = identityKeys(instance);
  }

  key(tenant: string, identityKey: string): string {
    return this.keys.customer(tenant, identityKey);
  }

  async lookup(tenant: string, identityKey: string): Promise<string | null> {
    return this.redis.get(this.key(tenant, identityKey));
  }

  private announcedKey(tenant: string, identityKey: string): string {
    return this.keys.announced(tenant, identityKey);
  }

  /**
   * The customer of this identity, created on first sight. `announce` stays true until
   * `markAnnounced` ran, that is until a `customer.identified` event is on the log: a request that
   * created the customer and then failed to append leaves it to the provider's retry to announce.
   */
  async resolve(tenant: string, identityKey: string): Promise<{ customer: string; announce: boolean }> {
    const fresh = `cus_${nanoid(16)}`;
    const key = this.key(tenant, identityKey);
    // SET NX then GET in one transaction: whoever set first, everyone reads the same customer.
    const [, [, existing], [, announced]] = (await this.redis
      .multi()
      .set(key, fresh, 'NX')
      .get(key)
      .exists(this.announcedKey(tenant, identityKey))
      .exec()) as [unknown, [null, string], [null, number]];
    return { customer: existing, announce: announced === 0 };
  }

  async markAnnounced(tenant: string, identityKey: string): Promise<void> {
    await this.redis.set(this.announcedKey(tenant, identityKey), '1');
  }

  /** After a merge: the absorbed customer's identities now lead to the survivor. */
  async repoint(tenant: string, identityKeys: readonly string[], survivor: string): Promise<void> {
    if (identityKeys.length === 0) return;
    const multi = this.redis.multi();
    for (const key of identityKeys) multi.set(this.key(tenant, key), survivor);
    await multi.exec();
  }
}
