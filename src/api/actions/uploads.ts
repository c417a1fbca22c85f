import type { Redis } from 'ioredis';
import { uploadKeys } from '../../projections/keys.ts';

/**
 * Which stored files each tenant's agents uploaded (api/actions/upload.ts), so a reply may only send
 * a file its own workspace put there. The store is content-addressed and shared, so a key alone
 * proves nothing: another tenant's customer may have sent the same bytes.
 */
export class Uploads {
  private readonly keys: ReturnType<typeof uploadKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
  ) {
    this.keys = uploadKeys(instance);
  }

  async remember(tenant: string, key: string): Promise<void> {
    await this.redis.sadd(this.keys.uploads(tenant), key);
  }

  /** The keys among `keys` the tenant did not upload, in their order. */
  async notUploaded(tenant: string, keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const known = await this.redis.smismember(this.keys.uploads(tenant), ...keys);
    return keys.filter((_, i) => known[i] !== 1);
  }
}
