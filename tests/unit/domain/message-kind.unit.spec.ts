import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import { CUSTOMER, MINUTE, TENANT, customerWrote, given, plus } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const at = (ms: number) => plus(T0, ms);

/** A message.received that is not typed text: a button press, a referral or an opt-in (Meta door). */
const pressed = (kind: 'button' | 'referral' | 'optin', text: string, time: string, id: string) =>
  createEvent({ type: 'message.received', source: '/adapters', tenant: TENANT, customer: CUSTOMER, id, time, data: { channel: 'social', provider: 'messenger', handle: '1000000000000001', text, kind, payload: 'P' } });

describe('message.received kind', () => {
  it('given no conversation, when a referral or an opt-in arrives, then no conversation opens', () => {
    given()
      .when(pressed('referral', '[referral: SHORTLINK OPEN_THREAD] spring', at(0), 'k1'), pressed('optin', '[opt-in: notification_messages]', at(1000), 'k2'))
      .then(({ state }) => expect(Object.keys(state.conversations)).toEqual([]));
  });

  it('given an open conversation, when a referral arrives, then it joins the transcript as a system line and starts no clock', () => {
    const hello = customerWrote('Hi', at(0), { id: 'm1' });
    given(hello)
      .when(pressed('referral', '[referral: ADS]', at(MINUTE), 'k3'))
      .then(({ effects, open }) => {
        expect(effects.transcript.map((t) => t.entry.author)).toEqual([{ kind: 'system', id: 'referral' }]);
        expect(open().lastCustomerMessageAt).toBe(at(0));
      });
  });

  it('given no conversation, when the customer taps a button, then it opens one as their message', () => {
    given()
      .when(pressed('button', 'Talk to a human', at(0), 'k4'))
      .then(({ open, effects }) => {
        expect(open().firstCustomerMessageAt).toBe(at(0));
        expect(effects.transcript.map((t) => t.entry.author.kind)).toEqual(['customer']);
      });
  });
});
