import { isSealed } from '../../events/index.ts';
import type { DataKeys } from './data-keys.ts';
import { ERASED, EXPIRED, openText, sealedKeyId } from './sealed-text.ts';

/**
 * Opens every sealed string anywhere in a value (an event, a conversation, a whole API answer),
 * with the tenant's keys: what readers allowed to see a customer see, as if nothing were sealed.
 * A field whose key was destroyed reads `[erased]`, or `[expired]` where retention destroyed it;
 * plaintext (events older than sealing) is returned as it is.
 */
export class Opener {
  constructor(private readonly keys: DataKeys) {}

  async open<T>(tenant: string, value: T): Promise<T> {
    const ids = new Set<string>();
    collect(value, ids);
    if (ids.size === 0) return value;
    const keys = await this.keys.keys(tenant, [...ids]);
    const gone = [...keys].filter(([, key]) => key === null).map(([id]) => id);
    const retired = await this.keys.retiredAmong(tenant, gone);
    return replace(value, (sealed) => {
      const id = sealedKeyId(sealed) ?? '';
      const key = keys.get(id);
      if (key) return openText(sealed, key) ?? ERASED;
      return retired.has(id) ? EXPIRED : ERASED;
    }) as T;
  }
}

function collect(value: unknown, ids: Set<string>): void {
  if (typeof value === 'string') {
    if (isSealed(value)) ids.add(sealedKeyId(value) ?? '');
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, ids);
  } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const item of Object.values(value)) collect(item, ids);
  }
}

function replace(value: unknown, open: (sealed: string) => string): unknown {
  if (typeof value === 'string') return isSealed(value) ? open(value) : value;
  if (Array.isArray(value)) return value.map((item) => replace(item, open));
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, open)]));
  }
  return value;
}
