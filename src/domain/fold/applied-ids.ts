import type { AnyEvent } from '../../../events/index.ts';
import { ms } from '../time.ts';
import { applyEvent, type CustomerFold, type FoldEffects } from './customer-fold.ts';
import type { FoldPolicy } from './policy.ts';

/**
 * Duplicates at any distance. The fold state remembers a customer's latest DEDUPE_WINDOW event ids;
 * beyond them, every applied event id is remembered with its event time for DEDUPE_HORIZON_MS
 * before the customer's newest applied event. The rule, the same live (src/projections/commit.lua,
 * over a sorted set per customer) and in replay (this class):
 *
 *   an event is a duplicate when its id is among the latest DEDUPE_WINDOW applied, or was applied
 *   before with an event time at or after (the newest applied event time) - DEDUPE_HORIZON_MS.
 *
 * Bounded by event time, not by count: a customer's memory holds the ids of the events of its last
 * seven days (of event time), however many events lie between a re-send and its original. A
 * re-sent event carries its original's time, so a re-send is recognised as long as the customer
 * has had no event more than seven days newer; the doors remember provider ids for the same seven
 * days. Forgetting older ids is a pure function of the applied events, so live, rebuild and replay
 * forget the same ones whatever batches they folded in.
 */
export const DEDUPE_HORIZON_MS = 7 * 24 * 60 * 60 * 1000;

/** One customer's applied event ids within the horizon (replay's side of the rule above). */
export class AppliedIds {
  private readonly times = new Map<string, number>();
  private newest = -Infinity;
  private sizeAfterPrune = 0;

  /** Whether `id` was applied before, within the horizon of the newest applied event. */
  has(id: string): boolean {
    const time = this.times.get(id);
    return time !== undefined && time >= this.newest - DEDUPE_HORIZON_MS;
  }

  /** Records an applied event; ids fallen out of the horizon are dropped now and then. */
  add(id: string, timeMs: number): void {
    this.times.set(id, timeMs);
    if (timeMs > this.newest) this.newest = timeMs;
    if (this.times.size > 2 * this.sizeAfterPrune + 64) this.prune();
  }

  private prune(): void {
    const floor = this.newest - DEDUPE_HORIZON_MS;
    for (const [id, time] of this.times) if (time < floor) this.times.delete(id);
    this.sizeAfterPrune = this.times.size;
  }
}

/**
 * `applyEvent` under the whole rule: a duplicate within the state's window or the horizon is
 * counted and dropped; an applied event is remembered. What the replay folds with; the live fold
 * gets the same answer from its commit script.
 */
export function applyRemembering(fold: CustomerFold, event: AnyEvent, policy: FoldPolicy, fx: FoldEffects, ids: AppliedIds): boolean {
  if (ids.has(event.id)) {
    fx.duplicates++;
    return false;
  }
  if (!applyEvent(fold, event, policy, fx)) return false;
  // The event's time as the fold just read it (`ms` remembers its latest texts: no second parse).
  ids.add(event.id, ms(event.time));
  return true;
}
