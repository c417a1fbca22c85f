import type { Redis } from 'ioredis';
import { nanoid } from 'nanoid';

/**
 * Handle -> customer, per tenant. First sight creates the customer atomically (SET NX), so two
 * messages from a new number arriving at once still make one customer.
 */
export class IdentityStore {
  constructor(
    private readonly redis: Redis,
    private readonly instance: string,
  ) {}

  key(tenant: string, identityKey: string): string {
    return `cs:id:{${this.instance}:${tenant}}:${identityKey}`;
  }

  async lookup(tenant: string, identityKey: string): Promise<string | null> {
    return this.redis.get(this.key(tenant, identityKey));
  }

  /** The customer of this identity, created on first sight (`created` true exactly once). */
  async resolve(tenant: string, identityKey: string): Promise<{ customer: string; created: boolean }> {
    const fresh = `cus_${nanoid(16)}`;
    const set = await this.redis.set(this.key(tenant, identityKey), fresh, 'NX');
    if (set === 'OK') return { customer: fresh, created: true };
    const existing = await this.redis.get(this.key(tenant, identityKey));
    if (!existing) return this.resolve(tenant, identityKey);
    return { customer: existing, created: false };
  }

  /** After a merge: the absorbed customer's identities now lead to the survivor. */
  async repoint(tenant: string, identityKeys: readonly string[], survivor: string): Promise<void> {
    if (identityKeys.length === 0) return;
    const multi = this.redis.multi();
    for (const key of identityKeys) multi.set(this.key(tenant, key), survivor);
    await multi.exec();
  }
}
