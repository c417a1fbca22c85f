/**
 * An exact distribution of durations: a value -> count map of whole milliseconds, not a list, so
 * memory follows the number of distinct values while percentiles stay exact. Percentiles use the
 * nearest-rank method: the p-th percentile of n sorted values is the value at rank ceil(p/100 * n).
 */
export class Distribution {
  private readonly counts = new Map<number, number>();
  private n = 0;
  private sumMs = 0;

  add(valueMs: number): void {
    this.counts.set(valueMs, (this.counts.get(valueMs) ?? 0) + 1);
    this.n++;
    this.sumMs += valueMs;
  }

  /** Adds another distribution's values (an instance, or its structured clone from another thread). */
  absorb(other: Distribution): void {
    for (const [value, count] of other.counts) this.counts.set(value, (this.counts.get(value) ?? 0) + count);
    this.n += other.n;
    this.sumMs += other.sumMs;
  }

  get count(): number {
    return this.n;
  }

  /**
   * The values in ascending order with their counts. Sorted as a typed array (a numeric sort in
   * the engine, no comparator calls): merging a replay's threads sorts maps of 10^5 values.
   */
  sorted(): Array<[valueMs: number, count: number]> {
    const values = Float64Array.from(this.counts.keys()).sort();
    const out = new Array<[number, number]>(values.length);
    for (let i = 0; i < values.length; i++) out[i] = [values[i]!, this.counts.get(values[i]!)!];
    return out;
  }

  /** count, mean, median (p50) and p90, in seconds; null figures when empty. */
  summary(): DurationSummary {
    if (this.n === 0) return { count: 0, mean: null, median: null, p90: null };
    const sorted = this.sorted();
    return { count: this.n, mean: seconds(this.sumMs / this.n), median: seconds(nearestRank(sorted, this.n, 50)), p90: seconds(nearestRank(sorted, this.n, 90)) };
  }
}

export interface DurationSummary {
  count: number;
  mean: number | null;
  median: number | null;
  p90: number | null;
}

/** Seconds with millisecond precision (the log's precision). */
export const seconds = (ms: number) => Math.round(ms) / 1000;

/** The value at rank ceil(p/100 * n) (1-based) of the sorted values. */
export function nearestRank(sorted: ReadonlyArray<readonly [number, number]>, n: number, p: number): number {
  // p * n first: (p / 100) * n drifts in floating point (0.9 * 30 is 27.000000000000004).
  const rank = Math.max(1, Math.ceil((p * n) / 100));
  let seen = 0;
  for (const [value, count] of sorted) {
    seen += count;
    if (seen >= rank) return value;
  }
  return sorted[sorted.length - 1]![0];
}
