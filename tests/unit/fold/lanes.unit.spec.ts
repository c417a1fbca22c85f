import { describe, expect, it } from 'vitest';
import { FoldLanes, type FoldLanesOptions, type LaneBatch, type LaneHandOff, type LaneJob } from '../../../src/fold/lanes.ts';

/** A consumer's batch of one partition, its events named `p<partition>@<offset>`; counts rewinds and heart-beats. */
function batch(partition: number, offsets: number[]) {
  const b = {
    topic: 'cs.events',
    partition,
    events: offsets.map((o) => ({ offset: String(o), event: `p${partition}@${o}` })),
    rewinds: 0,
    heartbeats: 0,
    heartbeat: async () => void b.heartbeats++,
    rewind: () => void b.rewinds++,
  };
  return b satisfies LaneBatch<string>;
}

/** The fold, faked: it holds every job it is given until the spec completes or fails it. */
function fakeFold() {
  const jobs: Array<{ job: LaneJob<string>; complete(): void; fail(err: Error): void }> = [];
  const submit = (job: LaneJob<string>) => new Promise<void>((complete, fail) => jobs.push({ job, complete, fail }));
  /** The events of a job, by name. */
  const events = (i: number) => jobs[i]!.job.events.map((e) => e.e);
  return { jobs, submit, events };
}

function lanes(fold: ReturnType<typeof fakeFold>, o: Partial<FoldLanesOptions<string>> = {}) {
  return new FoldLanes<string>({ lanes: 3, maxJobEvents: 1000, submit: fold.submit, ...o });
}

/** Lets the event loop turn a few times: a cycle closes, lanes take it on, jobs go out. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Watches a promise settle, so a spec can say it is still pending. */
function watch(p: Promise<unknown>) {
  const seen = { state: 'pending' as 'pending' | 'resolved' | 'rejected', error: undefined as unknown };
  p.then(
    () => (seen.state = 'resolved'),
    (err: unknown) => Object.assign(seen, { state: 'rejected', error: err }),
  );
  return seen;
}

/** Hands a batch over and waits until its lane took it on. */
async function takenOn(l: FoldLanes<string>, b: LaneBatch<string>): Promise<ReturnType<typeof watch>> {
  const handOff: LaneHandOff = await l.handOff(b);
  return watch(handOff.handled);
}

describe('the fold lanes', () => {
  it('given 3 lanes, when one fetch hands over partitions 0 to 5, then each lane gets one job holding its partitions (p mod 3), in the order they came', async () => {
    const fold = fakeFold();
    const l = lanes(fold);
    const handOffs = [3, 1, 0, 4, 2, 5].map((p) => l.handOff(batch(p, [10 * p, 10 * p + 1])));
    await Promise.all(handOffs);
    expect(fold.jobs).toHaveLength(3);
    const byLane = fold.jobs.map((j) => j.job.events.map((e) => `p${e.p}@${e.o}`)).sort();
    expect(byLane).toEqual([
      ['p1@10', 'p1@11', 'p4@40', 'p4@41'],
      ['p2@20', 'p2@21', 'p5@50', 'p5@51'],
      ['p3@30', 'p3@31', 'p0@0', 'p0@1'],
    ]);
    expect(fold.jobs.every((j) => j.job.topic === 'cs.events')).toBe(true);
  });

  it('given batches handed over in two turns of the event loop, then they are two cycles: two jobs one after the other in the lane', async () => {
    const fold = fakeFold();
    const l = lanes(fold);
    await takenOn(l, batch(0, [1, 2]));
    await takenOn(l, batch(0, [3]));
    await settle();
    expect(fold.jobs).toHaveLength(1);
    expect(fold.events(0)).toEqual(['p0@1', 'p0@2']);
    fold.jobs[0]!.complete();
    await settle();
    expect(fold.jobs).toHaveLength(2);
    expect(fold.events(1)).toEqual(['p0@3']);
  });

  it('given a job in flight in one lane, when more comes for that lane and another, then the lane waits for its job while the other lane goes ahead, and the lane keeps log order', async () => {
    const fold = fakeFold();
    const l = lanes(fold);
    await takenOn(l, batch(0, [1]));
    await settle();
    await takenOn(l, batch(3, [7]));
    await takenOn(l, batch(1, [5]));
    await settle();
    // Lane 0 has one job out (partition 0); lane 1 did not wait for it.
    expect(fold.jobs.map((_, i) => fold.events(i))).toEqual([['p0@1'], ['p1@5']]);
    fold.jobs[0]!.complete();
    await settle();
    expect(fold.events(2)).toEqual(['p3@7']);
  });

  it('given maxJobEvents 3, when a lane has 7 events in a cycle, then they go in jobs of 3, 3 and 1, each sent once the one before completed, and the batches are handled after the last', async () => {
    const fold = fakeFold();
    const l = lanes(fold, { maxJobEvents: 3 });
    const [a, b] = await Promise.all([l.handOff(batch(0, [1, 2, 3, 4])), l.handOff(batch(3, [1, 2, 3]))]);
    const handled = [watch(a!.handled), watch(b!.handled)];
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      await settle();
      expect(fold.jobs).toHaveLength(i + 1);
      sizes.push(fold.jobs[i]!.job.events.length);
      expect(handled.map((h) => h.state)).toEqual(['pending', 'pending']);
      fold.jobs[i]!.complete();
    }
    await settle();
    expect(sizes).toEqual([3, 3, 1]);
    expect([0, 1, 2].flatMap((i) => fold.events(i))).toEqual(['p0@1', 'p0@2', 'p0@3', 'p0@4', 'p3@1', 'p3@2', 'p3@3']);
    expect(handled.map((h) => h.state)).toEqual(['resolved', 'resolved']);
  });

  it('given a batch taken on, then it is handled (its offsets may be committed) only once its job completed', async () => {
    const fold = fakeFold();
    const l = lanes(fold);
    const handled = await takenOn(l, batch(2, [40, 41]));
    await settle();
    expect(fold.jobs).toHaveLength(1);
    expect(handled.state).toBe('pending');
    fold.jobs[0]!.complete();
    await settle();
    expect(handled.state).toBe('resolved');
  });

  it('given a job in flight and a cycle waiting behind it, then a further batch of the lane is not taken on until the job completed (backpressure)', async () => {
    const fold = fakeFold();
    const l = lanes(fold);
    await takenOn(l, batch(0, [1]));
    await takenOn(l, batch(0, [2]));
    const third = watch(l.handOff(batch(0, [3])));
    await settle();
    expect(third.state).toBe('pending');
    fold.jobs[0]!.complete();
    await settle();
    expect(third.state).toBe('resolved');
    expect(fold.jobs).toHaveLength(2);
  });

  it('given a job waits, when its heartbeat is called, then every batch of the job heart-beats', async () => {
    const fold = fakeFold();
    const l = lanes(fold);
    const batches = [batch(0, [1]), batch(3, [1]), batch(1, [1])];
    await Promise.all(batches.map((b) => l.handOff(b)));
    const lane0 = fold.jobs.find((j) => j.job.events[0]!.p === 0)!;
    await lane0.job.heartbeat();
    expect(batches.map((b) => b.heartbeats)).toEqual([1, 1, 0]);
  });

  it('given a job in flight and a cycle waiting, when the job fails as another batch of the lane is handed over, then all three are rewound and refused, nothing more of the lane is sent, and the other lanes go on', async () => {
    const fold = fakeFold();
    const failures: Error[] = [];
    const l = lanes(fold, { jobFailed: (err) => failures.push(err) });
    const inFlight = batch(0, [1]);
    const waiting = batch(3, [1]);
    const handedOver = batch(0, [2]);
    const otherLane = batch(1, [1]);
    const inFlightHandled = await takenOn(l, inFlight);
    await settle();
    const waitingHandled = await takenOn(l, waiting);
    const otherHandled = await takenOn(l, otherLane);
    await settle();
    // Handed over in the era before the failure, taken on after it.
    const handOff = l.handOff(handedOver);
    fold.jobs[0]!.fail(new Error('Redis away'));
    const handedOverHandled = watch((await handOff).handled);
    await settle();
    expect(failures.map((e) => e.message)).toEqual(['Redis away']);
    expect(inFlightHandled).toMatchObject({ state: 'rejected', error: new Error('Redis away') });
    expect(waitingHandled).toMatchObject({ state: 'rejected', error: new Error('Redis away') });
    expect(handedOverHandled).toMatchObject({ state: 'rejected', error: new Error('an earlier fold job of this lane failed; read again') });
    expect([inFlight.rewinds, waiting.rewinds, handedOver.rewinds]).toEqual([1, 1, 1]);
    // Only the failed job and the other lane's were ever sent; the other lane still completes.
    expect(fold.jobs.map((_, i) => fold.events(i))).toEqual([['p0@1'], ['p1@1']]);
    fold.jobs[1]!.complete();
    await settle();
    expect(otherHandled.state).toBe('resolved');
    expect(otherLane.rewinds).toBe(0);
  });

  it('given a lane whose job failed, when its partitions are read again, then the batches handed over from then on are folded', async () => {
    const fold = fakeFold();
    const l = lanes(fold);
    const failed = await takenOn(l, batch(0, [1, 2]));
    await settle();
    fold.jobs[0]!.fail(new Error('Redis away'));
    await settle();
    expect(failed.state).toBe('rejected');
    const again = await takenOn(l, batch(0, [1, 2]));
    await settle();
    expect(fold.jobs).toHaveLength(2);
    expect(fold.events(1)).toEqual(['p0@1', 'p0@2']);
    fold.jobs[1]!.complete();
    await settle();
    expect(again.state).toBe('resolved');
  });
  it('given a lane at full backpressure (a job in flight, a cycle waiting, a batch held back for room), when the job fails, then the held-back batch is refused and rewound, and the partitions read again are folded', async () => {
    const fold = fakeFold();
    const l = lanes(fold, { lanes: 1 });
    await takenOn(l, batch(0, [1]));
    await settle();
    await takenOn(l, batch(0, [2]));
    await settle();
    const heldBack = batch(0, [3]);
    const heldBackHandOff = watch(l.handOff(heldBack));
    await settle();
    expect(heldBackHandOff.state).toBe('pending');
    fold.jobs[0]!.fail(new Error('Redis away'));
    await settle();
    expect(heldBackHandOff.state).toBe('resolved');
    expect(heldBack.rewinds).toBe(1);
    const again = await takenOn(l, batch(0, [1, 2, 3]));
    await settle();
    expect(fold.jobs.map((_, i) => fold.events(i))).toEqual([['p0@1'], ['p0@1', 'p0@2', 'p0@3']]);
    fold.jobs[1]!.complete();
    await settle();
    expect(again.state).toBe('resolved');
  });
});
