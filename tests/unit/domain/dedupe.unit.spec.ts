import { describe, expect, it } from 'vitest';
import { DEDUPE_WINDOW } from '../../../src/domain/fold/policy.ts';
import { customerWrote, given, identified, plus } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const m1 = customerWrote('Where is my order?', T0, { id: 'm1' });

/** Events that change nothing but the dedupe window (a handle seen again), one second apart. */
const fillers = (n: number) =>
  Array.from({ length: n }, (_, i) => identified(plus(T0, (i + 1) * 1000), { channel: 'chat', provider: 'webchat', handle: 'visitor-1' }));

describe('duplicates are dropped, never folded twice', () => {
  it('the same event twice in one batch is folded once', () => {
    given()
      .when(m1, m1)
      .then(({ effects, open }) => {
        expect(effects.applied).toBe(1);
        expect(effects.duplicates).toBe(1);
        expect(effects.transcript).toHaveLength(1);
        expect(open().messageCount).toBe(1);
      });
  });

  it('an event seen in an earlier batch is dropped with no effect', () => {
    given(m1)
      .when(m1)
      .then(({ effects, state, before }) => {
        expect(effects).toMatchObject({ applied: 0, duplicates: 1, transcript: [], triggers: [], customerChanged: false });
        expect(effects.changedConversations.size).toBe(0);
        expect(state).toEqual(before);
      });
  });

  it('a provider retry is the same event id even if the payload differs, and is dropped', () => {
    given(m1)
      .when(customerWrote('Where is my order??', plus(T0, 1000), { id: 'm1' }))
      .then(({ open, effects }) => {
        expect(effects.duplicates).toBe(1);
        expect(open().messageCount).toBe(1);
        expect(open().lastActivityAt).toBe(T0);
      });
  });

  it(`remembers the latest ${DEDUPE_WINDOW} ids: within the window a retry is dropped`, () => {
    given(m1, ...fillers(DEDUPE_WINDOW - 1))
      .when(m1)
      .then(({ effects, open }) => {
        expect(effects.duplicates).toBe(1);
        expect(open().messageCount).toBe(1);
      });
  });

  it('drops the oldest id once the window is full', () => {
    const older = fillers(DEDUPE_WINDOW);
    given(m1, ...older).then(({ state }) => {
      expect(state.recentEventIds).toHaveLength(DEDUPE_WINDOW);
      expect(state.recentEventIds).not.toContain('m1');
      expect(state.recentEventIds[0]).toBe(older[0]!.id);
      expect(state.recentEventIds.at(-1)).toBe(older.at(-1)!.id);
    });
    // So the same id, that late, is folded again: the window bounds how late a retry may come.
    given(m1, ...older)
      .when(m1)
      .then(({ effects }) => expect(effects).toMatchObject({ applied: 1, duplicates: 0 }));
  });
});
