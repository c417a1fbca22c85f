import { describe, expect, it } from 'vitest';
import { Coalesced } from '../../../src/api/routes/kpis.ts';

/** Lets every promise callback queued so far run. */
const settled = () => new Promise((done) => setImmediate(done));

/** A read that finishes when told to, counting how many were started. */
function reads() {
  const started: Array<{ finish(value: number): void; fail(err: Error): void }> = [];
  const work = () =>
    new Promise<number>((finish, fail) => {
      started.push({ finish, fail });
    });
  return { started, work };
}

describe('reports asked for at once share reads', () => {
  it('given a read running, the requests that come during it share one more read, started after it', async () => {
    const coalesced = new Coalesced<number>();
    const { started, work } = reads();
    const first = coalesced.run('acme', work);
    const second = coalesced.run('acme', work);
    const third = coalesced.run('acme', work);
    expect(started).toHaveLength(1);
    started[0]!.finish(1);
    expect(await first).toBe(1);
    await settled();
    expect(started).toHaveLength(2);
    started[1]!.finish(2);
    expect([await second, await third]).toEqual([2, 2]);
    // Nothing running: the next request starts its own read.
    const fourth = coalesced.run('acme', work);
    expect(started).toHaveLength(3);
    started[2]!.finish(3);
    expect(await fourth).toBe(3);
  });

  it('keys do not share: another tenant (or grouping) reads on its own', async () => {
    const coalesced = new Coalesced<number>();
    const { started, work } = reads();
    const acme = coalesced.run('acme', work);
    const globex = coalesced.run('globex', work);
    expect(started).toHaveLength(2);
    started[1]!.finish(20);
    started[0]!.finish(10);
    expect([await acme, await globex]).toEqual([10, 20]);
  });

  it('a failed read fails its own requests only; those waiting get a read of their own', async () => {
    const coalesced = new Coalesced<number>();
    const { started, work } = reads();
    const failing = coalesced.run('acme', work);
    const waiting = coalesced.run('acme', work);
    started[0]!.fail(new Error('redis away'));
    await expect(failing).rejects.toThrow('redis away');
    await settled();
    expect(started).toHaveLength(2);
    started[1]!.finish(5);
    expect(await waiting).toBe(5);
  });
});
