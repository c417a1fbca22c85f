import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { customAlphabet } from 'nanoid';
import type { Scope } from '../domain/access/index.ts';
import { accountKeys } from '../projections/keys.ts';

/** An API key as listed (never its secret, which is shown once, at creation). */
export interface ApiKey {
  id: string;
  tenant: string;
  name: string;
  scopes: Scope[];
  created: string;
  /** The account (or `cli`) that created it. */
  createdBy: string;
  /** When it last authenticated a request (to the minute); null: never. */
  lastUsed: string | null;
  revoked: string | null;
}

const keyId = customAlphabet('0123456789abcdefghijklmnopqrstuvwxyz', 16);
/** `csk_<id>_<secret>`: the id finds the stored hash in one read, the secret (256 bits) is checked against it. */
const TOKEN = /^csk_([0-9a-z]{16})_([A-Za-z0-9_-]{43})$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest();
/** Last use is written at most this often per key: a busy adapter's every request is no write. */
const LAST_USED_EVERY_MS = 60_000;

/**
 * API keys of each tenant, in Redis (cs:acct). Stored as SHA-256 of the secret: the secret is 256
 * random bits, so a fast hash is enough (no dictionary to guess from), and checking a key costs
 * one Redis read, not a key-stretching computation per request.
 */
export class ApiKeyStore {
  private readonly keys: ReturnType<typeof accountKeys>;
  private readonly lastWritten = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    instance: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.keys = accountKeys(instance);
  }

  /** Creates a key and returns it with its token, the only time the token is seen. */
  async create(input: { tenant: string; name: string; scopes: Scope[]; createdBy: string }): Promise<{ key: ApiKey; token: string }> {
    const id = keyId();
    const secret = randomBytes(32).toString('base64url');
    const created = this.now().toISOString();
    await this.redis
      .multi()
      .hset(this.keys.apiKey(id), { tenant: input.tenant, name: input.name, scopes: input.scopes.join(' '), hash: sha256(secret).toString('base64url'), created, createdBy: input.createdBy })
      .sadd(this.keys.apiKeys(input.tenant), id)
      .exec();
    return { key: { id, tenant: input.tenant, name: input.name, scopes: input.scopes, created, createdBy: input.createdBy, lastUsed: null, revoked: null }, token: `csk_${id}_${secret}` };
  }

  /** The live key a token stands for, or null (unknown, wrong secret, revoked). Notes its use. */
  async authenticate(token: string): Promise<ApiKey | null> {
    const match = TOKEN.exec(token);
    if (!match) return null;
    const [, id, secret] = match as unknown as [string, string, string];
    const stored = await this.redis.hgetall(this.keys.apiKey(id));
    if (!stored.hash || stored.revoked) return null;
    const expected = Buffer.from(stored.hash, 'base64url');
    const actual = sha256(secret);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
    this.noteUse(id);
    return fromHash(id, stored);
  }

  async get(tenant: string, id: string): Promise<ApiKey | null> {
    const stored = await this.redis.hgetall(this.keys.apiKey(id));
    return stored.tenant === tenant ? fromHash(id, stored) : null;
  }

  async list(tenant: string): Promise<ApiKey[]> {
    const ids = await this.redis.smembers(this.keys.apiKeys(tenant));
    const keys = await Promise.all(ids.map((id) => this.get(tenant, id)));
    return keys.filter((k): k is ApiKey => k !== null).sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
  }

  /** Revokes a key of the tenant; returns it as it was, or null when the tenant has no such key. */
  async revoke(tenant: string, id: string): Promise<ApiKey | null> {
    const key = await this.get(tenant, id);
    if (!key) return null;
    if (!key.revoked) await this.redis.hset(this.keys.apiKey(id), 'revoked', this.now().toISOString());
    return key;
  }

  /** Undoes a revocation whose audit event could not be written. */
  async unrevoke(id: string): Promise<void> {
    await this.redis.hdel(this.keys.apiKey(id), 'revoked');
  }

  /** Removes a key just created (its audit event could not be written). */
  async remove(tenant: string, id: string): Promise<void> {
    await this.redis.multi().del(this.keys.apiKey(id)).srem(this.keys.apiKeys(tenant), id).exec();
  }

  private noteUse(id: string): void {
    const now = this.now().getTime();
    if (now - (this.lastWritten.get(id) ?? 0) < LAST_USED_EVERY_MS) return;
    this.lastWritten.set(id, now);
    if (this.lastWritten.size > 10_000) this.lastWritten.clear();
    void this.redis.hset(this.keys.apiKey(id), 'lastUsed', new Date(now).toISOString()).catch(() => undefined);
  }
}

function fromHash(id: string, h: Record<string, string>): ApiKey {
  return {
    id,
    tenant: h.tenant ?? '',
    name: h.name ?? '',
    scopes: (h.scopes ?? '').split(' ').filter(Boolean) as Scope[],
    created: h.created ?? '',
    createdBy: h.createdBy ?? '',
    lastUsed: h.lastUsed || null,
    revoked: h.revoked || null,
  };
}
