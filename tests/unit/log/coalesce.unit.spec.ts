import { describe, expect, it } from 'vitest';
import { coalescing } from '../../../src/log/coalesce.ts';

/** A send that holds each call until the spec lets it go, recording what each carried. */
function heldSends() {
  const sends: Array<{ records: string[]; release: (err?: Error) => void }> = [];
  const send = (records: string[]) =>
    new Promise<void>((resolve, reject) => {
      sends.push({ records, release: (err) => (err ? reject(err) : resolve()) });
    });
  return { sends, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescing appends (the event log sends what waited together)', () => {
  it('given nothing in flight, when an append comes, then it is sent at once, alone', async () => {
    const { sends, send } = heldSends();
    const append = coalescing(send, 1000);

    const done = append(['a1'], 10);
    await tick();

    expect(sends.map((s) => s.records)).toEqual([['a1']]);
    sends[0]!.release();
    await expect(done).resolves.toBeUndefined();
  });

  it('given a send in flight, when appends come meanwhile, then they go out together next, in arrival order, each resolved once its send is acknowledged', async () => {
    const { sends, send } = heldSends();
    const append = coalescing(send, 1000);
    const settled: string[] = [];
    const first = append(['a1'], 10).then(() => settled.push('a'));
    await tick();
    const second = append(['b1', 'b2'], 20).then(() => settled.push('b'));
    const third = append(['c1'], 10).then(() => settled.push('c'));
    await tick();

    expect(sends.map((s) => s.records)).toEqual([['a1']]);
    sends[0]!.release();
    await first;
    await tick();
    expect(sends.map((s) => s.records)).toEqual([['a1'], ['b1', 'b2', 'c1']]);
    expect(settled).toEqual(['a']);
    sends[1]!.release();
    await Promise.all([second, third]);
    expect(settled).toEqual(['a', 'b', 'c']);
  });

  it('given waiting appends larger together than a send may carry, then each send stays within it, and an append larger than that goes alone', async () => {
    const { sends, send } = heldSends();
    const append = coalescing(send, 100);
    const all = [append(['a'], 10)];
    await tick();
    all.push(append(['b'], 60), append(['c'], 30), append(['big'], 150), append(['d'], 10));
    await tick();
    for (let i = 0; i < 3; i++) {
      sends[i]!.release();
      await tick();
      await tick();
    }
    sends[3]!.release();
    await Promise.all(all);

    expect(sends.map((s) => s.records)).toEqual([['a'], ['b', 'c'], ['big'], ['d']]);
  });

  it('given a send that fails, then every append it carried fails with its error, and the appends after it are still sent', async () => {
    const { sends, send } = heldSends();
    const append = coalescing(send, 1000);
    const first = append(['a'], 10);
    await tick();
    const second = append(['b'], 10);
    const third = append(['c'], 10);
    await tick();
    sends[0]!.release();
    await first;
    await tick();
    const later = append(['d'], 10);
    sends[1]!.release(new Error('Kafka did not acknowledge'));

    await expect(second).rejects.toThrow('Kafka did not acknowledge');
    await expect(third).rejects.toThrow('Kafka did not acknowledge');
    await tick();
    expect(sends[2]!.records).toEqual(['d']);
    sends[2]!.release();
    await expect(later).resolves.toBeUndefined();
  });
});
