import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { Blinder } from './blind.ts';
import { DataKeys } from './data-keys.ts';
import { MasterKeys } from './master-keys.ts';
import { Opener } from './opener.ts';
import { eventSealer } from './sealer.ts';

export { Blinder } from './blind.ts';
export { DataKeys } from './data-keys.ts';
export { MasterKeys } from './master-keys.ts';
export { Opener } from './opener.ts';
export { ERASED, EXPIRED, openText, sealText, sealedKeyId } from './sealed-text.ts';
export { textPeriod } from './sealer.ts';
export type { TextKey } from './data-keys.ts';
export { mapPersonalFields } from './personal-fields.ts';

/** Everything that seals, opens and blinds personal data, for one process. */
export interface Privacy {
  keys: DataKeys;
  seal: ReturnType<typeof eventSealer>;
  opener: Opener;
  blinder: Blinder;
}

/** The privacy tools when the configuration holds master keys; null when personal data is kept in plaintext. */
export function openPrivacy(config: Pick<Config, 'instance' | 'privacy'>, redis: Redis): Privacy | null {
  const { masterKeys, activeMasterKey, keyCacheMs } = config.privacy;
  if (activeMasterKey === undefined) return null;
  const keys = new DataKeys(redis, config.instance, new MasterKeys(masterKeys, activeMasterKey), keyCacheMs);
  return { keys, seal: eventSealer(keys), opener: new Opener(keys), blinder: new Blinder(keys) };
}
