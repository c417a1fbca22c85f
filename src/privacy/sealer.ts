import type { AnyEvent } from '../../events/index.ts';
import type { DataKeys } from './data-keys.ts';
import { hasPlainPersonalData, mapPersonalFields } from './personal-fields.ts';
import { sealText } from './sealed-text.ts';

/**
 * Seals the personal fields of events before they are appended (personal-fields.ts says which),
 * each with its customer's data key. Events without personal data pass as they are; sealing is
 * deterministic, so a door's retry appends the very same bytes.
 */
export function eventSealer(keys: DataKeys): (events: readonly AnyEvent[]) => Promise<AnyEvent[]> {
  return async (events) => {
    const out: AnyEvent[] = [];
    for (const event of events) {
      if (!hasPlainPersonalData(event)) {
        out.push(event);
        continue;
      }
      const { keyId, key } = await keys.customerKey(event.tenant, event.customer);
      out.push(mapPersonalFields(event, (plain) => sealText(plain, key, keyId)));
    }
    return out;
  };
}
