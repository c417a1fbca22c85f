import type { AnyEvent } from '../../events/index.ts';
import type { DataKeys } from './data-keys.ts';
import { mapPersonalFields, plainPersonalKinds } from './personal-fields.ts';
import { sealText } from './sealed-text.ts';

/**
 * Seals the personal fields of events before they are appended (personal-fields.ts says which):
 * handles with the customer's identity key, texts with their text key of the event's month (what
 * retention destroys). Events without personal data pass as they are; sealing is deterministic
 * (a retry has the same time, so the same month and key), so a door's retry appends the same bytes.
 */
export function eventSealer(keys: DataKeys): (events: readonly AnyEvent[]) => Promise<AnyEvent[]> {
  return async (events) => {
    const out: AnyEvent[] = [];
    for (const event of events) {
      const kinds = plainPersonalKinds(event);
      if (kinds.size === 0) {
        out.push(event);
        continue;
      }
      const identity = kinds.has('identity') ? await keys.customerKey(event.tenant, event.customer) : null;
      const text = kinds.has('text') ? await keys.textKey(event.tenant, event.customer, textPeriod(event.time)) : null;
      out.push(mapPersonalFields(event, (plain, kind) => {
        const { keyId, key } = (kind === 'identity' ? identity : text)!;
        return sealText(plain, key, keyId);
      }));
    }
    return out;
  };
}

/** The period a text key covers: the event's UTC month, `YYYY-MM` (retention destroys a month at a time). */
export function textPeriod(time: string): string {
  return new Date(time).toISOString().slice(0, 7);
}
