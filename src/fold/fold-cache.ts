/**
 * The fold worker's memory of the customers it folded last: each customer's fold state as it
 * committed it, with the applied position it committed and what its projection's indexes and
 * timers hold. The next batch for that customer starts from here instead of reading and parsing
 * the customer and its conversations back from Redis and recomputing their index entries.
 *
 * Exactly-once rests on the commit script, not on this cache: a batch folded from a cached state
 * commits only if the stored position is still the cached one (commit.lua). If another worker
 * folded the customer meanwhile, or the namespace was dropped, the commit is refused, the entry is
 * gone, and the batch is folded again from what Redis holds. An entry is taken out while a batch
 * works on it (its state is folded in place) and put back only after its commit applied, so a
 * failed or refused batch never leaves a half-folded state behind.
 */
import type { CustomerFold } from '../domain/fold/customer-fold.ts';
import type { IndexEntry } from '../projections/index-entries.ts';

/** What the projection holds for a fold's conversations: index entries, and timers with their due times. */
export interface FoldSnapshot {
  index: Map<string, IndexEntry>;
  timers: Map<string, Map<string, number>>;
  /** Identities known (the handle index holds these). */
  handles: number;
}

export interface CachedFold {
  pos: string | null;
  fold: CustomerFold;
  snapshot: FoldSnapshot;
}

/**
 * Batches after a refused commit during which cached positions are checked before folding: with
 * several worker processes a customer's batches land on any of them, and a stale memory would cost
 * a fold whose commit is refused. One worker alone never sees a refusal and never pays the check.
 */
const VERIFY_AFTER_REFUSAL = 1000;


/** Least recently folded customers leave first. */
export class FoldCache {
  private readonly entries = new Map<string, CachedFold>();
  private verifyBatches = 0;

  constructor(readonly capacity: number) {}

  /** Whether this batch should check the cached positions against Redis first (counts the batch). */
  shouldVerify(): boolean {
    if (this.verifyBatches === 0) return false;
    this.verifyBatches--;
    return true;
  }

  /** A commit folded from a cached state was refused: another worker folds these customers too. */
  refused(): void {
    this.verifyBatches = VERIFY_AFTER_REFUSAL;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry, removed: the caller folds it and puts it back once committed. */
  take(key: string): CachedFold | undefined {
    const entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    return entry;
  }

  put(key: string, entry: CachedFold): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
