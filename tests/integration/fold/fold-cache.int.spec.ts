import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { defaultFoldPolicy } from '../../../src/domain/fold/policy.ts';
import { foldBatch } from '../../../src/fold/fold-batch.ts';
import { FoldCache } from '../../../src/fold/fold-cache.ts';
import { ProjectionStore } from '../../../src/projections/store.ts';
import { testConfig } from '../../support/engine.ts';
import { agentReplied, customerWrote } from '../../support/events.ts';
import { diffDumps, dropNamespace, dumpNamespace } from '../../support/namespace.ts';

const redis = new Redis(testConfig().redis.url);
const namespaces: string[] = [];
afterAll(async () => {
  for (const ns of namespaces) await dropNamespace(redis, ns);
  redis.disconnect();
});

function freshStore(): ProjectionStore {
  const ns = `cache-${nanoid(6).replace(/[^A-Za-z0-9]/g, 'x')}`;
  namespaces.push(ns);
  return new ProjectionStore(redis, ns);
}

const fold = (store: ProjectionStore, events: AnyEvent[], firstOffset: number, cache?: FoldCache) =>
  foldBatch({ store, ...(cache ? { cache } : {}), partition: 0, events: events.map((event, i) => ({ offset: String(firstOffset + i), event })), policies: () => defaultFoldPolicy, asksForSteps: true });

describe('fold workers folding from the states they keep in memory', () => {
  const tenant = 'acme';
  const customer = `c-${nanoid(6)}`;
  const events = [
    customerWrote(tenant, customer, 'my parcel is late'),
    agentReplied(tenant, customer, 'looking into it'),
    customerWrote(tenant, customer, 'any news?'),
    agentReplied(tenant, customer, 'it ships today'),
    customerWrote(tenant, customer, 'thanks!'),
    agentReplied(tenant, customer, 'you are welcome'),
  ];

  it('given another worker folded the customer meanwhile, when the first folds its next batch from its stale memory, then the commit is refused and the batch is folded again from Redis', async () => {
    const reference = freshStore();
    await fold(reference, events.slice(0, 5), 0);

    const shared = freshStore();
    const first = new FoldCache(100);
    const second = new FoldCache(100);
    await fold(shared, events.slice(0, 2), 0, first);
    expect(first.size).toBe(1);
    // The second worker has never seen this customer: it reads from Redis and commits offset 2.
    expect(await fold(shared, events.slice(2, 3), 2, second)).toMatchObject({ applied: 1, conflicts: 0 });
    // The first still remembers offset 1: its commit meets offset 2 in Redis and is refused once.
    expect(await fold(shared, events.slice(3, 5), 3, first)).toMatchObject({ applied: 2, conflicts: 1, alreadyApplied: 0 });

    expect(diffDumps(await dumpNamespace(redis, shared.namespace), await dumpNamespace(redis, reference.namespace))).toEqual([]);
  });

  it('given a worker whose commit from memory was refused, when another worker folds the customer again, then its next batch checks the position first and folds once', async () => {
    const reference = freshStore();
    await fold(reference, events, 0);

    const shared = freshStore();
    const first = new FoldCache(100);
    const second = new FoldCache(100);
    await fold(shared, events.slice(0, 2), 0, first);
    await fold(shared, events.slice(2, 3), 2, second);
    expect(await fold(shared, events.slice(3, 5), 3, first)).toMatchObject({ conflicts: 1 });
    // The second worker's memory (offset 2) is stale now: refused once, it too checks from now on.
    expect(await fold(shared, events.slice(5, 6), 5, second)).toMatchObject({ applied: 1, conflicts: 1 });
    // The first remembers offset 4, Redis holds 5: found by the check, read in full, no refused commit.
    const last = customerWrote(tenant, customer, 'one more thing');
    await fold(reference, [last], 6);
    expect(await fold(shared, [last], 6, first)).toMatchObject({ applied: 1, conflicts: 0 });

    expect(diffDumps(await dumpNamespace(redis, shared.namespace), await dumpNamespace(redis, reference.namespace))).toEqual([]);
  });

  it('given a batch delivered again, when the worker remembers a later position, then nothing is folded twice', async () => {
    const store = freshStore();
    const cache = new FoldCache(100);
    await fold(store, events.slice(0, 5), 0, cache);
    const before = await dumpNamespace(redis, store.namespace);
    expect(await fold(store, events.slice(3, 5), 3, cache)).toMatchObject({ applied: 0, alreadyApplied: 2 });
    expect(diffDumps(await dumpNamespace(redis, store.namespace), before)).toEqual([]);
  });

  it('given the namespace was emptied under a worker, when it folds the next batch, then it starts from what Redis holds, not from its memory', async () => {
    const cached = freshStore();
    const cache = new FoldCache(100);
    await fold(cached, events.slice(0, 3), 0, cache);
    await dropNamespace(redis, cached.namespace);
    expect(await fold(cached, events.slice(3, 5), 3, cache)).toMatchObject({ applied: 2, conflicts: 1 });

    // As a worker without memory folds the same: the two events on an empty customer.
    const uncached = freshStore();
    await fold(uncached, events.slice(3, 5), 3);
    expect(diffDumps(await dumpNamespace(redis, cached.namespace), await dumpNamespace(redis, uncached.namespace))).toEqual([]);
  });

  it('keeps at most its capacity, the least recently folded leaving first', () => {
    const cache = new FoldCache(2);
    const entry = { pos: '1', fold: { tenant, customerId: 'x', customer: null, conversations: {}, recentEventIds: [] }, snapshot: { index: new Map(), timers: new Map(), handles: 0 } };
    cache.put('a', entry);
    cache.put('b', entry);
    cache.put('a', entry);
    cache.put('c', entry);
    expect(cache.take('b')).toBeUndefined();
    expect(cache.take('a')).toBe(entry);
    expect(cache.take('a')).toBeUndefined();
    expect(new FoldCache(0).size).toBe(0);
  });
});
