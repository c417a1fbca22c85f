import { createHmac } from 'node:crypto';
import type { DataKeys } from './data-keys.ts';

/**
 * What an index keyed by a person's handle is keyed by instead: an HMAC of the handle under the
 * tenant's blinding key. The door can still find a customer by the handle it is given, but a
 * key listing of Redis shows no address or number, and an erasure deletes the entries it derives
 * from the customer's handles.
 */
export class Blinder {
  constructor(private readonly keys: DataKeys) {}

  async blind(tenant: string, identityKey: string): Promise<string> {
    return `b_${createHmac('sha256', await this.keys.blindKey(tenant)).update(identityKey, 'utf8').digest('base64url')}`;
  }
}
