/**
 * The fold bridge's lanes: how the batches the consumer hands over become fold jobs, in order, with
 * backpressure, and what happens when a job fails. No Kafka and no queue here: the consumer's
 * batches come in as `LaneBatch`es, and a job goes out through the injected `submit`, so this can be
 * specified with plain fakes (tests/unit/fold/lanes.unit.spec.ts).
 *
 * The batches one fetch hands over (kafkajs calls eachBatch for every partition of a fetch at once)
 * go to the fold in few jobs: batches arriving in the same turn of the event loop form a cycle, and a
 * cycle is one job per lane (partition p is in lane p mod lanes; a share larger than `maxJobEvents`
 * is cut into several). One queue round trip per lane per fetch instead of one per partition, and
 * larger pipelines in the worker.
 *
 * Cycles are handed off: the consumer fetches, decodes and validates the next cycle while the fold
 * works on this one. Each lane sends its jobs one at a time, in order, so a customer's events (one
 * partition, so one lane) are folded in log order, while the lanes' jobs run side by side (the worker
 * computes one while Redis commits another). One cycle may wait behind the one in flight in each
 * lane; further batches wait to be taken on (backpressure). A batch is handled (its offsets may be
 * committed) only once its job completed. If a job fails, the lane's batches are rewound to it and
 * read again: the job and every batch behind it in the lane fail (a new era of the lane begins;
 * batches taken before it are refused).
 */

/** A contiguous run of one partition's events, as the consumer hands it over. */
export interface LaneBatch<E> {
  topic: string;
  partition: number;
  events: ReadonlyArray<{ offset: string; event: E }>;
  heartbeat(): Promise<void>;
  /** Has the consumer read the partition again from this batch (and pass over what it fetched after). */
  rewind(): void;
}

/** One fold job: events of a lane's share of a cycle, each with its offset (`o`) and partition (`p`). */
export interface LaneJob<E> {
  topic: string;
  events: Array<{ o: string; e: E; p: number }>;
  /** Heart-beats every batch the job's events came from, to keep the group while the job waits. */
  heartbeat(): Promise<void>;
}

export interface FoldLanesOptions<E> {
  /** Lanes with a job in flight at once (at least one). */
  lanes: number;
  /** A lane's share of a cycle larger than this goes in several jobs, one after the other. */
  maxJobEvents: number;
  /** Runs one job: resolves once it completed, rejects if it failed. */
  submit(job: LaneJob<E>): Promise<void>;
  /** Told of a failed job, before its lane's batches are rewound and refused. */
  jobFailed?(err: Error): void;
}

/** Resolves when the batch was handled: its job completed. Rejects if it must be read again. */
export interface LaneHandOff {
  handled: Promise<void>;
}

type Pending<E> = { batch: LaneBatch<E>; era: number; resolve(): void; reject(err: Error): void };

/** Cycles that may wait behind the one in flight in a lane before hand-offs wait to be taken on. */
const MAX_WAITING_CYCLES = 1;

function refuse<E>(items: ReadonlyArray<Pending<E>>, err: Error): void {
  // Rewind first (synchronously), so no batch fetched before can be taken on after this.
  for (const i of items) i.batch.rewind();
  for (const i of items) i.reject(err);
}

/** A lane's share of a cycle, cut at `maxJobEvents`, one job after the other. */
async function runCycle<E>(items: ReadonlyArray<Pending<E>>, o: FoldLanesOptions<E>): Promise<void> {
  const all = items.flatMap(({ batch }) => batch.events.map((c) => ({ o: c.offset, e: c.event, p: batch.partition })));
  const heartbeat = () => Promise.all(items.map((i) => i.batch.heartbeat())).then(() => undefined);
  const topic = items[0]!.batch.topic;
  for (let i = 0; i < all.length; i += o.maxJobEvents) {
    await o.submit({ topic, events: all.slice(i, i + o.maxJobEvents), heartbeat });
  }
}

class Lane<E> {
  /** Bumped by a failure: batches taken on in an earlier era are refused. */
  era = 0;
  private readonly waiting: Array<Array<Pending<E>>> = [];
  private admissions: Promise<void> = Promise.resolve();
  private room: (() => void) | null = null;
  private pumping = false;

  constructor(private readonly o: FoldLanesOptions<E>) {}

  /** Takes a cycle's share on once there is room behind the job in flight; shares are taken in order. */
  admit(items: Array<Pending<E>>): Promise<void> {
    this.admissions = this.admissions.then(async () => {
      while (this.waiting.length >= MAX_WAITING_CYCLES) await new Promise<void>((resolve) => (this.room = resolve));
      const stale = items.filter((i) => i.era !== this.era);
      if (stale.length > 0) refuse(stale, new Error('an earlier fold job of this lane failed; read again'));
      const current = items.filter((i) => i.era === this.era);
      if (current.length > 0) {
        this.waiting.push(current);
        void this.pump();
      }
    });
    return this.admissions;
  }

  private fail(items: Array<Pending<E>>, err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.o.jobFailed?.(error);
    this.era++;
    refuse([...items, ...this.waiting.splice(0).flat()], error);
    // A batch held back for room (backpressure) is of the failed era: let it in to be refused and
    // rewound, or the lane's admissions would wait behind it for ever, re-read batches included.
    this.room?.();
    this.room = null;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let items = this.waiting.shift(); items; items = this.waiting.shift()) {
        this.room?.();
        this.room = null;
        try {
          await runCycle(items, this.o);
          for (const i of items) i.resolve();
        } catch (err) {
          this.fail(items, err);
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}

/** Collects the batches handed over into cycles and runs each cycle in its lanes. */
export class FoldLanes<E> {
  private readonly lanes: Array<Lane<E>>;
  private collecting: Array<Pending<E>> | null = null;
  /** Resolves once the cycle being collected has been taken on by its lanes. */
  private cycleAdmitted: Promise<void> = Promise.resolve();

  constructor(o: FoldLanesOptions<E>) {
    this.lanes = Array.from({ length: Math.max(1, o.lanes) }, () => new Lane(o));
  }

  /**
   * Resolves once the batch's lane has taken it on (the consumer may fetch on), with `handled`:
   * resolved once its job completed, rejected (the batch rewound) if it must be read again.
   */
  handOff(batch: LaneBatch<E>): Promise<LaneHandOff> {
    let pending!: Pending<E>;
    const era = this.lanes[batch.partition % this.lanes.length]!.era;
    const handled = new Promise<void>((resolve, reject) => (pending = { batch, era, resolve, reject }));
    handled.catch(() => undefined); // the consumer looks at it once the batch is taken on
    if (!this.collecting) {
      const items: Array<Pending<E>> = (this.collecting = []);
      this.cycleAdmitted = new Promise<void>((resolve) =>
        setImmediate(() => {
          this.collecting = null;
          void this.admit(items).then(() => resolve());
        }),
      );
    }
    this.collecting.push(pending);
    return this.cycleAdmitted.then(() => ({ handled }));
  }

  /** Hands each lane its share of a cycle (in the order the batches came). */
  private admit(items: ReadonlyArray<Pending<E>>): Promise<unknown> {
    const shares = new Map<number, Array<Pending<E>>>();
    for (const item of items) {
      const lane = item.batch.partition % this.lanes.length;
      const share = shares.get(lane);
      if (share) share.push(item);
      else shares.set(lane, [item]);
    }
    return Promise.all([...shares].map(([lane, share]) => this.lanes[lane]!.admit(share)));
  }
}
