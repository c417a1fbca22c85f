import { describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { AppliedIds, applyRemembering, DEDUPE_HORIZON_MS } from '../../../src/domain/fold/applied-ids.ts';
import { emptyFold, noEffects, type CustomerFold, type FoldEffects } from '../../../src/domain/fold/customer-fold.ts';
import { DEDUPE_WINDOW, defaultFoldPolicy } from '../../../src/domain/fold/policy.ts';
import { CUSTOMER, TENANT, customerWrote, identified, plus } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const original = customerWrote('Where is my order?', T0, { id: 'm1' });

/** Events that change nothing but the dedupe window (a handle seen again), `stepMs` apart. */
const fillers = (n: number, stepMs = 1000) =>
  Array.from({ length: n }, (_, i) => identified(plus(T0, (i + 1) * stepMs), { channel: 'chat', provider: 'webchat', handle: 'visitor-1' }));

/** Folds events in log order as the replay does: the state's window and the remembered ids. */
function replayed(events: readonly AnyEvent[]): { state: CustomerFold; fx: FoldEffects } {
  const state = emptyFold(TENANT, CUSTOMER);
  const fx = noEffects();
  const ids = new AppliedIds();
  for (const e of events) applyRemembering(state, e, defaultFoldPolicy, fx, ids);
  return { state, fx };
}

describe('duplicates at any distance (within the horizon of event time)', () => {
  it(`given a message and ${DEDUPE_WINDOW * 3} later events, when the message is re-sent, then it is dropped: the state is as if it never came again`, () => {
    const history = [original, ...fillers(DEDUPE_WINDOW * 3)];
    const withResend = replayed([...history, original]);
    const without = replayed(history);
    expect(withResend.fx.duplicates).toBe(1);
    expect(withResend.fx.applied).toBe(history.length);
    expect(withResend.state).toEqual(without.state);
    expect(Object.values(withResend.state.conversations)[0]!.messageCount).toBe(1);
  });

  it('given a message, when it is re-sent after the customer had an event more than the horizon newer, then it is forgotten and folded again (documented bound)', () => {
    const later = fillers(DEDUPE_WINDOW + 1, Math.ceil((DEDUPE_HORIZON_MS + 1000) / (DEDUPE_WINDOW + 1)));
    const { fx } = replayed([original, ...later, original]);
    expect(fx.duplicates).toBe(0);
    expect(fx.applied).toBe(later.length + 2);
  });

  it('given a re-send inside the window, then the window drops it and the remembered ids agree', () => {
    const { fx } = replayed([original, ...fillers(3), original, original]);
    expect(fx.duplicates).toBe(2);
  });

  it('AppliedIds forgets only what lies beyond the horizon of the newest applied event, however many ids came between', () => {
    const ids = new AppliedIds();
    ids.add('old', 0);
    for (let i = 1; i <= 500; i++) ids.add(`e${i}`, i * 1000);
    expect(ids.has('old')).toBe(true);
    ids.add('newest', DEDUPE_HORIZON_MS + 2000);
    for (let i = 0; i < 500; i++) ids.add(`f${i}`, DEDUPE_HORIZON_MS + 2000);
    expect(ids.has('old')).toBe(false);
    expect(ids.has('e1')).toBe(false);
    expect(ids.has('e2')).toBe(true);
    expect(ids.has('never')).toBe(false);
  });
});
