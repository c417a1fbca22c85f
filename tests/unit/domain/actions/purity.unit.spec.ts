import { describe, expect, it } from 'vitest';
import {
  decideAgentMessage,
  decideAssign,
  decideMerge,
  decidePriority,
  decideReopen,
  decideResolve,
  decideTransfer,
} from '../../../../src/domain/actions/index.ts';
import { assigned, triaged } from '../given.ts';
import { anna, at, CONVERSATION, opening, projected, roster } from './given.ts';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('the action deciders are pure', () => {
  it('given deep-frozen state, when every decider decides, then none throws, none changes it, and the same input gives the same decision', () => {
    const { conversation, customer } = projected(opening, triaged(CONVERSATION, at(1), { team: 'support' }), assigned(CONVERSATION, at(2), 'ag_anna', { team: 'support' }));
    const state = deepFreeze({ conversation: conversation(), customer, roster });
    const before = structuredClone(state);

    const decide = () => [
      decideAssign(state, { agent: 'ag_boris', by: anna }),
      decideTransfer(state, { toTeam: 'billing', by: anna }),
      decidePriority(state, { priority: 'urgent', by: anna }),
      decideResolve(state, { by: anna, at: at(9) }),
      decideReopen(state, { by: anna }),
      decideAgentMessage(state, { authorId: 'ag_anna', text: 'hello', internal: false }),
      decideMerge({ survivor: state.customer, absorbed: { mergedInto: null } }, { survivor: 'cus_1', absorbed: 'cus_2', by: anna }),
    ];

    const first = decide();
    expect(first.map((d) => d.ok)).toEqual([true, true, true, true, false, true, true]);
    expect(decide()).toEqual(first);
    expect(state).toEqual(before);
  });
});
