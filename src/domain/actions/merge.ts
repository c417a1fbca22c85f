import type { Customer } from '../state.ts';
import { refused, type ActionEvent, type Actor, type RefusalOf, type Refused } from './decision.ts';

export interface MergeState {
  /** The customers the request names, as projected; undefined when there is none by that id. */
  survivor: Pick<Customer, 'mergedInto'> | undefined;
  absorbed: Pick<Customer, 'mergedInto'> | undefined;
}

export interface MergeRequest {
  /** The customer who stays. */
  survivor: string;
  /** The customer absorbed into the survivor. */
  absorbed: string;
  by: Actor;
}

export type MergeRefusal = RefusalOf<'same_customer' | 'not_found' | 'survivor_merged' | 'already_merged'>;

/** `customer.merged`, once on each customer's key (each partition sees it in order with that customer's events). */
export interface MergeEvent extends ActionEvent<'customer.merged'> {
  customer: string;
  /** Which side of the merge this key is (event ids are derived from it). */
  side: 'survivor' | 'absorbed';
}

/**
 * Two customers are one person: the absorbed one's timeline continues on the survivor's. Neither
 * may already be merged away; asking again for a merge that happened is refused `already_merged`
 * (naming the survivor it went to), which the caller may use to finish what followed it.
 */
export function decideMerge({ survivor, absorbed }: MergeState, request: MergeRequest): { ok: true; events: [MergeEvent, MergeEvent] } | Refused<MergeRefusal> {
  if (request.survivor === request.absorbed) return refused({ code: 'same_customer', message: 'a customer cannot be merged into itself' });
  if (!survivor) return refused({ code: 'not_found', message: `customer ${request.survivor} not found` });
  if (!absorbed) return refused({ code: 'not_found', message: `customer ${request.absorbed} (from) not found` });
  if (survivor.mergedInto) {
    return refused({
      code: 'survivor_merged',
      message: `customer ${request.survivor} was itself merged into ${survivor.mergedInto}: merge into that one`,
      mergedInto: survivor.mergedInto,
    });
  }
  if (absorbed.mergedInto) {
    return refused({ code: 'already_merged', message: `customer ${request.absorbed} is already merged into ${absorbed.mergedInto}`, mergedInto: absorbed.mergedInto });
  }
  const data = { survivor: request.survivor, absorbed: request.absorbed, by: request.by };
  const on = (customer: string, side: MergeEvent['side']): MergeEvent => ({ customer, side, type: 'customer.merged', data });
  return { ok: true, events: [on(request.survivor, 'survivor'), on(request.absorbed, 'absorbed')] };
}
