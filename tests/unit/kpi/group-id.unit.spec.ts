import { describe, expect, it } from 'vitest';
import { groupId, type GroupDimension, type GroupKey } from '../../../src/domain/kpi/groups.ts';
import { Distribution } from '../../../src/domain/kpi/distribution.ts';

const dims: GroupDimension[] = ['tenant', 'channel', 'category'];

describe("a report group's identity", () => {
  it('differs for keys whose values would run together when joined', () => {
    const keys: GroupKey[] = [
      { tenant: 'a|1:b', channel: 'c', category: null },
      { tenant: 'a', channel: '1:b|c', category: null },
      { tenant: 'a', channel: 'c', category: '-' },
      { tenant: 'a', channel: 'c', category: null },
      { tenant: 'a', channel: 'c', category: '' },
      { tenant: 'a', channel: null, category: 'c' },
    ];
    expect(new Set(keys.map((k) => groupId(k, dims))).size).toBe(keys.length);
  });

  it('is the same for equal keys', () => {
    expect(groupId({ tenant: 'acme', channel: 'chat', category: null }, dims)).toBe(groupId({ category: null, channel: 'chat', tenant: 'acme' }, dims));
  });
});

describe('a distribution in order', () => {
  it('lists values ascending with their counts, negatives and large values included', () => {
    const d = new Distribution();
    for (const v of [3_600_000, -5, 0, 10, 10, 86_400_000 * 30, 2]) d.add(v);
    expect(d.sorted()).toEqual([
      [-5, 1],
      [0, 1],
      [2, 1],
      [10, 2],
      [3_600_000, 1],
      [86_400_000 * 30, 1],
    ]);
    expect(d.summary()).toEqual({ count: 7, mean: expect.any(Number), median: 0.01, p90: 2_592_000 });
  });
});
