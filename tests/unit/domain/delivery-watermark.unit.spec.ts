import { describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import { deliveryIn } from '../../../src/domain/fold/delivery.ts';
import { CUSTOMER, MINUTE, TENANT, agentReplied, customerWrote, given, plus } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const at = (ms: number) => plus(T0, ms);
const via = { channel: 'social' as const, provider: 'messenger', handle: '1000000000000001' };

const hello = customerWrote('Where is my order?', at(0), { id: 'm1', ...via });
const first = agentReplied('It ships today.', at(MINUTE), { id: 'r1', conversation: 'cv_m1', ...via, messageId: 'out-1' });
const second = agentReplied('Tracking follows.', at(3 * MINUTE), { id: 'r2', conversation: 'cv_m1', ...via, messageId: 'out-2' });
const bySms = agentReplied('Also by SMS.', at(MINUTE), { id: 'r3', conversation: 'cv_m1', channel: 'sms', provider: 'twilio', messageId: 'out-sms' });

/** Messenger's `read` (or `delivery` without mids): everything up to `upTo` got there; no message named. */
const watermark = (status: 'read' | 'delivered', upTo: string, time: string, id: string) =>
  createEvent({ type: 'message.status_updated', source: '/adapters', tenant: TENANT, customer: CUSTOMER, id, time, data: { channel: 'social', provider: 'messenger', status, watermark: upTo } });

const states = (delivery: Parameters<typeof deliveryIn>[0]) => Object.fromEntries([...deliveryIn(delivery, 'cv_m1')].map(([id, d]) => [id, d.status]));

describe('a watermark receipt folds into the delivery record', () => {
  it('given two replies on Messenger, when the customer read up to a time between them, then only the first is read, at the event time', () => {
    given(hello, first, second)
      .when(watermark('read', at(2 * MINUTE), at(2 * MINUTE + 5000), 'w1'))
      .then(({ state, effects }) => {
        expect(deliveryIn(state.delivery, 'cv_m1').get('out-1')).toEqual({ status: 'read', at: at(2 * MINUTE + 5000) });
        expect(deliveryIn(state.delivery, 'cv_m1').has('out-2')).toBe(false);
        expect(effects.delivery).toEqual([{ eventId: 'w1', conversationId: 'cv_m1', messageId: 'out-1' }]);
      });
  });

  it('given a reply sent exactly at the watermark, then it is covered (at or before)', () => {
    given(hello, first)
      .when(watermark('read', at(MINUTE), at(MINUTE + 1), 'w2'))
      .then(({ state }) => expect(states(state.delivery)).toEqual({ 'out-1': 'read' }));
  });

  it('given a reply through another provider, then a Messenger watermark leaves it alone', () => {
    given(hello, first, bySms)
      .when(watermark('delivered', at(10 * MINUTE), at(10 * MINUTE), 'w3'))
      .then(({ state }) => expect(states(state.delivery)).toEqual({ 'out-1': 'delivered' }));
  });

  it('given a read watermark, then a later delivered watermark or the same one again changes nothing', () => {
    const read = watermark('read', at(5 * MINUTE), at(5 * MINUTE), 'w4');
    given(hello, first, second, read)
      .when(watermark('delivered', at(6 * MINUTE), at(6 * MINUTE), 'w5'), watermark('read', at(5 * MINUTE), at(5 * MINUTE), 'w6'))
      .then(({ state, effects }) => {
        expect(states(state.delivery)).toEqual({ 'out-1': 'read', 'out-2': 'read' });
        expect(effects.delivery).toEqual([]);
      });
  });
});
