import { describe, expect, it } from 'vitest';
import { decideMerge, type MergeState } from '../../../../src/domain/actions/index.ts';
import { CUSTOMER, merged } from '../given.ts';
import { anna, at, opening, projected } from './given.ts';

/** A customer as the fold projects one: with a conversation, and merged away when told. */
const customer = (mergedInto?: string) => projected(opening, ...(mergedInto ? [merged(at(1), { survivor: mergedInto, absorbed: CUSTOMER })] : [])).customer;

const request = { survivor: 'cus_a', absorbed: 'cus_b', by: anna };
const both: MergeState = { survivor: customer(), absorbed: customer() };

describe('decideMerge', () => {
  it('given a request naming one customer twice, when the merge is decided, then it is refused with same_customer (before looking them up)', () => {
    const decision = decideMerge({ survivor: undefined, absorbed: undefined }, { ...request, absorbed: 'cus_a' });

    expect(decision).toEqual({ ok: false, refusal: { code: 'same_customer', message: 'a customer cannot be merged into itself' } });
  });

  it('given no survivor, or no absorbed customer, when the merge is decided, then it is refused with not_found naming which', () => {
    expect(decideMerge({ ...both, survivor: undefined }, request)).toEqual({ ok: false, refusal: { code: 'not_found', message: 'customer cus_a not found' } });
    expect(decideMerge({ ...both, absorbed: undefined }, request)).toEqual({ ok: false, refusal: { code: 'not_found', message: 'customer cus_b (from) not found' } });
  });

  it('given a survivor merged into another customer, when the merge is decided, then it is refused with survivor_merged naming where it went', () => {
    const decision = decideMerge({ ...both, survivor: customer('cus_z') }, request);

    expect(decision).toEqual({
      ok: false,
      refusal: { code: 'survivor_merged', message: 'customer cus_a was itself merged into cus_z: merge into that one', mergedInto: 'cus_z' },
    });
  });

  it('given an absorbed customer already merged, when the merge is decided, then it is refused with already_merged naming the survivor it went to', () => {
    const decision = decideMerge({ ...both, absorbed: customer('cus_a') }, request);

    expect(decision).toEqual({ ok: false, refusal: { code: 'already_merged', message: 'customer cus_b is already merged into cus_a', mergedInto: 'cus_a' } });
  });

  it('given two customers, neither merged, when the merge is decided, then customer.merged goes on both keys, the survivor first', () => {
    const decision = decideMerge(both, request);

    const data = { survivor: 'cus_a', absorbed: 'cus_b', by: anna };
    expect(decision).toEqual({
      ok: true,
      events: [
        { customer: 'cus_a', side: 'survivor', type: 'customer.merged', data },
        { customer: 'cus_b', side: 'absorbed', type: 'customer.merged', data },
      ],
    });
  });
});
