import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { dataKeyKeys } from './keys.ts';
import type { MasterKeys } from './master-keys.ts';

const CUSTOMER_KEY = readFileSync(new URL('./customer-key.lua', import.meta.url), 'utf8');
const TEXT_KEY = readFileSync(new URL('./text-key.lua', import.meta.url), 'utf8');
const RETIRE_KEYS = readFileSync(new URL('./retire-keys.lua', import.meta.url), 'utf8');

/** One period's text key of a customer, as retention sees it. */
export interface TextKey {
  /** The UTC month of the events it seals, `YYYY-MM`. */
  period: string;
  keyId: string;
  /** When it was made (epoch ms): a sweep leaves a key this young alone, the fold may not have folded its events yet. */
  madeAt: number;
}

/** How long a process trusts what it read of the key store: an erasure reaches every reader within it. */
export const DEFAULT_KEY_CACHE_MS = 30_000;
const CACHE_LIMIT = 50_000;

interface Cached<T> {
  value: T;
  until: number;
}

/**
 * The customers' data keys in Redis, wrapped by the tenant's master key. Each customer has an
 * identity key (their handles) and a text key per month (what they and we wrote), made on first
 * need; destroying them all is the erasure, destroying a month's text key is retention. Reads are
 * cached for `cacheMs` (a fold of thousands of lines asks for the same few keys), so a destroyed key
 * is gone from every process within that time; the process that destroys it forgets it at once.
 */
export class DataKeys {
  private readonly byId = new Map<string, Cached<Buffer | null>>();
  private readonly byCustomer = new Map<string, Cached<{ keyId: string; key: Buffer }>>();

  constructor(
    private readonly redis: Redis,
    private readonly instance: string,
    readonly masters: MasterKeys,
    private readonly cacheMs = DEFAULT_KEY_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The key a customer's handles are sealed with (made now if they have none). */
  async customerKey(tenant: string, customer: string): Promise<{ keyId: string; key: Buffer }> {
    const cacheKey = `${tenant}\0${customer}`;
    const hit = this.fresh(this.byCustomer.get(cacheKey));
    if (hit) return hit;
    const keys = dataKeyKeys(this.instance, tenant);
    const freshId = `dk_${nanoid(20)}`;
    const freshKey = randomBytes(32);
    const [keyId, wrapped] = (await this.redis.eval(CUSTOMER_KEY, 2, keys.customer(customer), keys.keys, freshId, this.masters.wrap(tenant, freshId, freshKey))) as [string, string];
    const found = { keyId, key: keyId === freshId ? freshKey : this.masters.unwrap(tenant, keyId, wrapped) };
    this.remember(this.byCustomer, cacheKey, found);
    this.remember(this.byId, `${tenant}\0${keyId}`, found.key);
    return found;
  }

  /** The key a customer's message texts of this period (`YYYY-MM`, the event's UTC month) are sealed with, made now if none. */
  async textKey(tenant: string, customer: string, period: string): Promise<{ keyId: string; key: Buffer }> {
    const cacheKey = `${tenant}\0${customer}\0${period}`;
    const hit = this.fresh(this.byCustomer.get(cacheKey));
    if (hit) return hit;
    const keys = dataKeyKeys(this.instance, tenant);
    const freshId = `dk_${nanoid(20)}`;
    const freshKey = randomBytes(32);
    const [keyId, wrapped] = (await this.redis.eval(TEXT_KEY, 2, keys.text(customer), keys.keys, period, freshId, this.masters.wrap(tenant, freshId, freshKey), String(this.now()))) as [string, string];
    const found = { keyId, key: keyId === freshId ? freshKey : this.masters.unwrap(tenant, keyId, wrapped) };
    this.remember(this.byCustomer, cacheKey, found);
    this.remember(this.byId, `${tenant}\0${keyId}`, found.key);
    return found;
  }

  /** A customer's text keys still standing, one per period. */
  async textKeysOf(tenant: string, customer: string): Promise<TextKey[]> {
    const fields = await this.redis.hgetall(dataKeyKeys(this.instance, tenant).text(customer));
    return Object.entries(fields)
      .filter(([field]) => !field.endsWith(':made'))
      .map(([period, keyId]) => ({ period, keyId, madeAt: Number(fields[`${period}:made`] ?? 0) }))
      .sort((a, b) => a.period.localeCompare(b.period));
  }

  /** Every customer of the tenant with a text key, a page at a time (SCAN: safe beside live traffic). */
  async *customersWithTextKeys(tenant: string): AsyncGenerator<string[]> {
    const keys = dataKeyKeys(this.instance, tenant);
    const prefix = keys.text('');
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', keys.textPattern, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) yield found.map((k) => k.slice(prefix.length));
    } while (cursor !== '0');
  }

  /**
   * Retention: destroys these text keys of a customer (each only if its period still names it) and
   * records them as retired. Returns how many were destroyed.
   */
  async retire(tenant: string, customer: string, retiring: ReadonlyArray<Pick<TextKey, 'period' | 'keyId'>>, at: Date): Promise<number> {
    if (retiring.length === 0) return 0;
    const keys = dataKeyKeys(this.instance, tenant);
    const destroyed = (await this.redis.eval(RETIRE_KEYS, 3, keys.text(customer), keys.keys, keys.retired, at.toISOString(), ...retiring.flatMap((k) => [k.period, k.keyId]))) as number;
    for (const { period, keyId } of retiring) {
      this.byCustomer.delete(`${tenant}\0${customer}\0${period}`);
      this.byId.set(`${tenant}\0${keyId}`, { value: null, until: this.now() + this.cacheMs });
    }
    return destroyed;
  }

  /** Which of these key ids retention destroyed (the rest of the missing ones were erased). */
  async retiredAmong(tenant: string, keyIds: readonly string[]): Promise<Set<string>> {
    if (keyIds.length === 0) return new Set();
    const at = await this.redis.hmget(dataKeyKeys(this.instance, tenant).retired, ...keyIds);
    return new Set(keyIds.filter((_, i) => at[i] !== null));
  }

  /** The keys of these ids; null for one destroyed (or never made here). */
  async keys(tenant: string, keyIds: readonly string[]): Promise<Map<string, Buffer | null>> {
    const out = new Map<string, Buffer | null>();
    const missing: string[] = [];
    for (const id of new Set(keyIds)) {
      const hit = this.byId.get(`${tenant}\0${id}`);
      if (hit && hit.until > this.now()) out.set(id, hit.value);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const wrapped = await this.redis.hmget(dataKeyKeys(this.instance, tenant).keys, ...missing);
    missing.forEach((id, i) => {
      const value = wrapped[i] ? this.masters.unwrap(tenant, id, wrapped[i]) : null;
      this.remember(this.byId, `${tenant}\0${id}`, value);
      out.set(id, value);
    });
    return out;
  }

  /** The key ids these customers' events were sealed with (those that still have one): identity and text keys. */
  async keyIdsOf(tenant: string, customers: readonly string[]): Promise<string[]> {
    if (customers.length === 0) return [];
    const keys = dataKeyKeys(this.instance, tenant);
    const ids = (await this.redis.mget(customers.map((c) => keys.customer(c)))).filter((id): id is string => id !== null);
    for (const c of customers) for (const text of await this.textKeysOf(tenant, c)) ids.push(text.keyId);
    return ids;
  }

  /**
   * Destroys these customers' keys (and these key ids): nothing sealed with them opens again. A
   * customer who writes afterwards under the same id would get a new key; the doors give a handle
   * seen again a new customer anyway.
   */
  async destroy(tenant: string, customers: readonly string[], keyIds: readonly string[]): Promise<void> {
    const keys = dataKeyKeys(this.instance, tenant);
    const multi = this.redis.multi();
    if (keyIds.length > 0) multi.hdel(keys.keys, ...keyIds);
    for (const c of customers) multi.del(keys.customer(c), keys.text(c));
    await multi.exec();
    for (const c of customers) this.byCustomer.delete(`${tenant}\0${c}`);
    // Text keys cached per period: a customer's are few, but their periods are not known here.
    for (const cached of this.byCustomer.keys()) if (customers.some((c) => cached.startsWith(`${tenant}\0${c}\0`))) this.byCustomer.delete(cached);
    for (const id of keyIds) this.byId.set(`${tenant}\0${id}`, { value: null, until: this.now() + this.cacheMs });
  }

  /** The tenant's blinding key (made on first need), wrapped like the data keys. */
  async blindKey(tenant: string): Promise<Buffer> {
    const cacheKey = `${tenant}\0blind`;
    const hit = this.fresh(this.byCustomer.get(cacheKey));
    if (hit) return hit.key;
    const keys = dataKeyKeys(this.instance, tenant);
    await this.redis.set(keys.blind, this.masters.wrap(tenant, 'blind', randomBytes(32)), 'NX');
    const key = this.masters.unwrap(tenant, 'blind', (await this.redis.get(keys.blind))!);
    // A blinding key is never destroyed: kept as long as the process lives.
    this.byCustomer.set(cacheKey, { value: { keyId: 'blind', key }, until: Number.POSITIVE_INFINITY });
    return key;
  }

  /**
   * Wraps every key of the tenant (and its blinding key) with the active master key: after it, the
   * older master keys can leave the configuration. Safe to run again, and beside live traffic (a
   * key is replaced only if it is still the value read).
   */
  async rewrap(tenant: string): Promise<{ rewrapped: number; current: number }> {
    const keys = dataKeyKeys(this.instance, tenant);
    let rewrapped = 0;
    let current = 0;
    const all = await this.redis.hgetall(keys.keys);
    for (const [id, wrapped] of Object.entries(all)) {
      if (this.masters.isCurrent(wrapped)) {
        current += 1;
        continue;
      }
      const again = this.masters.wrap(tenant, id, this.masters.unwrap(tenant, id, wrapped));
      // HSET only where the field still holds what was read: a key destroyed meanwhile stays destroyed.
      const done = await this.redis.eval("if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end return -1", 1, keys.keys, id, wrapped, again);
      if (done !== -1) rewrapped += 1;
    }
    const blind = await this.redis.get(keys.blind);
    if (blind && !this.masters.isCurrent(blind)) {
      await this.redis.set(keys.blind, this.masters.wrap(tenant, 'blind', this.masters.unwrap(tenant, 'blind', blind)));
      rewrapped += 1;
    }
    return { rewrapped, current };
  }

  private fresh<T>(entry: Cached<T> | undefined): T | undefined {
    return entry && entry.until > this.now() ? entry.value : undefined;
  }

  private remember<T>(map: Map<string, Cached<T>>, key: string, value: T): void {
    if (map.size >= CACHE_LIMIT) map.delete(map.keys().next().value!);
    map.set(key, { value, until: this.now() + this.cacheMs });
  }
}
