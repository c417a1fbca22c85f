import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import type { Blinder } from '../privacy/index.ts';
import { identityKeys } from '../projections/keys.ts';

const LINK = readFileSync(new URL('./identity-link.lua', import.meta.url), 'utf8');

/** One identity of a message, as `resolveLinked` found it. */
export interface LinkedIdentity {
  identityKey: string;
  /** It is (now) the message's customer's; false when it already was another customer's (a merge joins them). */
  ours: boolean;
  /** Its `customer.identified` is not known to be on the log yet. */
  announce: boolean;
}

/**
 * Handle -> customer, per tenant. First sight creates the customer atomically (SET NX), so two
 * messages from a new number arriving at once still make one customer.
 */
export class IdentityStore {
  private readonly keys: ReturnType<typeof identityKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
    /** With sealing on, identities are keyed by their HMAC (privacy/blind.ts): no handle in a key name. */
    private readonly blinder?: Blinder,
  ) {
    this.keys = identityKeys(instance);
  }

  /** The identity as its keys spell it: blinded when the deployment seals personal data. */
  async slot(tenant: string, identityKey: string): Promise<string> {
    return this.blinder ? this.blinder.blind(tenant, identityKey) : identityKey;
  }

  async key(tenant: string, identityKey: string): Promise<string> {
    return this.keys.customer(tenant, await this.slot(tenant, identityKey));
  }

  async lookup(tenant: string, identityKey: string): Promise<string | null> {
    return this.redis.get(await this.key(tenant, identityKey));
  }

  private async announcedKey(tenant: string, identityKey: string): Promise<string> {
    return this.keys.announced(tenant, await this.slot(tenant, identityKey));
  }

  /** Every key an identity has here: an erasure deletes them, so the handle seen again is a new customer. */
  async keysOf(tenant: string, identityKey: string): Promise<string[]> {
    return [await this.key(tenant, identityKey), await this.announcedKey(tenant, identityKey), this.keys.customer(tenant, identityKey), this.keys.announced(tenant, identityKey)];
  }

  /**
   * The customer of this identity, created on first sight. `announce` stays true until
   * `markAnnounced` ran, that is until a `customer.identified` event is on the log: a request that
   * created the customer and then failed to append leaves it to the provider's retry to announce.
   */
  async resolve(tenant: string, identityKey: string): Promise<{ customer: string; announce: boolean }> {
    const fresh = `cus_${nanoid(16)}`;
    const key = await this.key(tenant, identityKey);
    // SET NX then GET in one transaction: whoever set first, everyone reads the same customer.
    const [, [, existing], [, announced]] = (await this.redis
      .multi()
      .set(key, fresh, 'NX')
      .get(key)
      .exists(await this.announcedKey(tenant, identityKey))
      .exec()) as [unknown, [null, string], [null, number]];
    return { customer: existing, announce: announced === 0 };
  }

  /**
   * The customer of a message that carries several identities of its sender (a WhatsApp number and
   * its user id): the sender's identity (the first) decides when it has a customer, else any other
   * that has one; each identity without a customer becomes that customer's, in one atomic step
   * (identity-link.lua), so two messages of a new user arriving at once still make one customer.
   */
  async resolveLinked(tenant: string, identityKeys: readonly [string, ...string[]]): Promise<{ customer: string; identities: LinkedIdentity[] }> {
    const keys: string[] = [];
    for (const identityKey of identityKeys) keys.push(await this.key(tenant, identityKey), await this.announcedKey(tenant, identityKey));
    const [customer, ...pairs] = (await this.redis.eval(LINK, keys.length, ...keys, `cus_${nanoid(16)}`)) as [string, ...Array<string | number>];
    const identities = identityKeys.map((identityKey, i) => {
      const ours = pairs[2 * i] === customer;
      return { identityKey, ours, announce: ours && pairs[2 * i + 1] === 0 };
    });
    return { customer, identities };
  }

  async markAnnounced(tenant: string, identityKey: string): Promise<void> {
    await this.redis.set(await this.announcedKey(tenant, identityKey), '1');
  }

  /** After a merge: the absorbed customer's identities now lead to the survivor. */
  async repoint(tenant: string, identityKeys: readonly string[], survivor: string): Promise<void> {
    if (identityKeys.length === 0) return;
    const multi = this.redis.multi();
    for (const key of identityKeys) multi.set(await this.key(tenant, key), survivor);
    await multi.exec();
  }
}
