import { describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { emptyFold, foldEvents, foldFromStored, type CustomerFold, type StoredCustomerFold } from '../../../src/domain/fold/customer-fold.ts';
import { DELIVERY_MESSAGES_KEPT, UNMATCHED_REPORTS_KEPT, deliveryIn, joinDelivery, type DeliveryState } from '../../../src/domain/fold/delivery.ts';
import { defaultFoldPolicy } from '../../../src/domain/fold/policy.ts';
import { serializeFold } from '../../../src/projections/store.ts';
import { withOutcomes } from '../../../src/projections/views.ts';
import { CUSTOMER, MINUTE, TENANT, agentReplied, connectorReported, customerWrote, fold, given, internalNote, plus, providerReported } from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const at = (ms: number) => plus(T0, ms);
const SID = 'SM0123456789abcdef0123456789abcdef';

const hello = customerWrote('Is the shop open on Sunday?', at(0), { id: 'm1', channel: 'sms', provider: 'twilio', handle: '+14155550199' });
const reply = agentReplied('Yes, 10 to 4.', at(MINUTE), { id: 'r1', conversation: 'cv_m1', channel: 'sms', provider: 'twilio', messageId: 'msg-1' });
const queued = connectorReported('msg-1', 'queued', at(MINUTE + 100), { id: 's-queued', conversation: 'cv_m1' });
const sent = connectorReported('msg-1', 'sent', at(MINUTE + 900), { id: 's-sent', conversation: 'cv_m1', providerMessageId: SID });
const delivered = providerReported(SID, 'delivered', at(MINUTE + 3000), { id: 'p-delivered' });
const read = providerReported(SID, 'read', at(MINUTE + 9000), { id: 'p-read' });
const undelivered = providerReported(SID, 'failed', at(MINUTE + 4000), { id: 'p-failed', error: 'Twilio error 30003: Unreachable destination handset' });

/** The delivery state of one message of the conversation, as `GET /v1/conversations/:id` shows it. */
const stateOf = (state: CustomerFold, messageId = 'msg-1', conversation = 'cv_m1') => deliveryIn(state.delivery, conversation).get(messageId);

describe('outbound transcript lines', () => {
  it('given an agent reply, its line carries our message id (the producer’s, else the event id); a note’s carries none', () => {
    given(hello)
      .when(reply, agentReplied('No id given', at(2 * MINUTE), { id: 'r2' }), internalNote('VIP', at(3 * MINUTE), { id: 'n1' }))
      .then(({ effects, state }) => {
        expect(effects.transcript.map((t) => t.entry.messageId)).toEqual(['msg-1', 'r2', undefined]);
        // Known to the record, nothing reported yet: pending.
        expect(state.delivery?.messages.map((m) => [m.messageId, m.conversation, m.delivery])).toEqual([
          ['msg-1', 'cv_m1', undefined],
          ['r2', 'cv_m1', undefined],
        ]);
        expect(deliveryIn(state.delivery, 'cv_m1').size).toBe(0);
      });
  });
});

describe('message.status_updated folds into the delivery record', () => {
  it('given a reply, when our connector reports queued then sent and the provider delivered then read, then each moves it forward with its event time', () => {
    given(hello, reply)
      .when(queued)
      .then(({ state, effects }) => {
        expect(stateOf(state)).toEqual({ status: 'queued', at: at(MINUTE + 100) });
        expect(effects.delivery).toEqual([{ eventId: 's-queued', conversationId: 'cv_m1', messageId: 'msg-1' }]);
      });
    given(hello, reply, queued, sent).then(({ state }) => expect(stateOf(state)).toEqual({ status: 'sent', at: at(MINUTE + 900) }));
    given(hello, reply, queued, sent)
      .when(delivered)
      .then(({ state, effects }) => {
        expect(stateOf(state)).toEqual({ status: 'delivered', at: at(MINUTE + 3000) });
        // The provider named no conversation: the fold knows the message's, and says so for the change feed.
        expect(effects.delivery).toEqual([{ eventId: 'p-delivered', conversationId: 'cv_m1', messageId: 'msg-1' }]);
        expect(effects.changedConversations.size).toBe(0);
      });
    given(hello, reply, queued, sent, delivered, read).then(({ state }) => expect(stateOf(state)).toEqual({ status: 'read', at: at(MINUTE + 9000) }));
  });

  it('given a provider’s report that overtook our sent, then it waits by the provider’s id and lands on the message when sent links it', () => {
    given(hello, reply, queued)
      .when(delivered)
      .then(({ state, effects }) => {
        expect(stateOf(state)).toEqual({ status: 'queued', at: at(MINUTE + 100) });
        expect(state.delivery?.unmatched).toEqual([{ providerMessageId: SID, delivery: { status: 'delivered', at: at(MINUTE + 3000) } }]);
        expect(effects.delivery).toEqual([]);
      });
    given(hello, reply, queued, delivered)
      .when(sent)
      .then(({ state, effects }) => {
        expect(stateOf(state)).toEqual({ status: 'delivered', at: at(MINUTE + 3000) });
        expect(state.delivery?.unmatched).toEqual([]);
        expect(state.delivery?.messages[0]?.providerMessageId).toBe(SID);
        expect(effects.delivery).toEqual([{ eventId: 's-sent', conversationId: 'cv_m1', messageId: 'msg-1' }]);
      });
  });

  it('given a duplicate report (the same event again, or the same status under another id), then nothing changes and nothing is announced', () => {
    given(hello, reply, queued, sent, delivered)
      .when(delivered, providerReported(SID, 'delivered', at(MINUTE + 5000), { id: 'p-delivered-again' }), providerReported(SID, 'sent', at(MINUTE + 950), { id: 'p-sent' }))
      .then(({ state, before, effects }) => {
        expect(effects.duplicates).toBe(1);
        expect(effects.delivery).toEqual([]);
        // The time it first got there stays.
        expect(stateOf(state)).toEqual({ status: 'delivered', at: at(MINUTE + 3000) });
        expect(state.delivery).toEqual(before.delivery);
      });
  });

  it('failed beats queued and sent; delivered or read after failed wins (the provider knows better); failed after delivered does not', () => {
    given(hello, reply, queued, sent)
      .when(undelivered)
      .then(({ state }) => expect(stateOf(state)).toEqual({ status: 'failed', at: at(MINUTE + 4000), error: 'Twilio error 30003: Unreachable destination handset' }));
    given(hello, reply, queued, sent, undelivered)
      .when(providerReported(SID, 'delivered', at(MINUTE + 6000), { id: 'p-late' }))
      .then(({ state }) => expect(stateOf(state)).toEqual({ status: 'delivered', at: at(MINUTE + 6000) }));
    given(hello, reply, queued, sent, delivered)
      .when(undelivered)
      .then(({ state, effects }) => {
        expect(stateOf(state)).toEqual({ status: 'delivered', at: at(MINUTE + 3000) });
        expect(effects.delivery).toEqual([]);
      });
    // Our connector gave up (no provider id ever): failed, with its reason.
    given(hello, reply, queued)
      .when(connectorReported('msg-1', 'failed', at(2 * MINUTE), { id: 's-failed', conversation: 'cv_m1', error: 'HTTP 400' }))
      .then(({ state }) => expect(stateOf(state)).toEqual({ status: 'failed', at: at(2 * MINUTE), error: 'HTTP 400' }));
  });

  it('whatever order the reports of a message arrive in, the record is the same', () => {
    const reports = [queued, sent, delivered, undelivered, read];
    const expected = fold([hello, reply, ...reports]).state.delivery;
    expect(stateOf(fold([hello, reply, ...reports]).state)).toEqual({ status: 'read', at: at(MINUTE + 9000) });
    for (const order of permutations(reports)) {
      const { delivery } = fold([hello, reply, ...order]).state;
      expect(delivery?.messages).toEqual(expected?.messages);
      expect(delivery?.unmatched).toEqual([]);
    }
  });

  it('given a reply whose event named no conversation, then reports that name none land on the conversation the fold put it in', () => {
    const unnamed = agentReplied('On its way', at(MINUTE), { id: 'r9', channel: 'sms', provider: 'twilio' });
    given(hello, unnamed, connectorReported('r9', 'sent', at(MINUTE + 500), { id: 's9', providerMessageId: 'SM9' }))
      .when(providerReported('SM9', 'delivered', at(MINUTE + 800), { id: 'p9' }))
      .then(({ state, effects }) => {
        expect(stateOf(state, 'r9')).toEqual({ status: 'delivered', at: at(MINUTE + 800) });
        expect(effects.delivery).toEqual([{ eventId: 'p9', conversationId: 'cv_m1', messageId: 'r9' }]);
      });
  });

  it('a report naming a message the record never had starts it when the event names one of the customer’s conversations, else changes nothing', () => {
    given(hello)
      .when(connectorReported('older', 'sent', at(MINUTE), { id: 's-old', conversation: 'cv_m1', providerMessageId: 'SMold' }), connectorReported('stray', 'sent', at(MINUTE), { id: 's-stray' }))
      .then(({ state }) => {
        expect(state.delivery?.messages).toEqual([{ messageId: 'older', conversation: 'cv_m1', providerMessageId: 'SMold', delivery: { status: 'sent', at: at(MINUTE) } }]);
      });
  });

  it(`keeps the customer’s latest ${DELIVERY_MESSAGES_KEPT} messages and ${UNMATCHED_REPORTS_KEPT} unmatched reports`, () => {
    const replies = Array.from({ length: DELIVERY_MESSAGES_KEPT + 5 }, (_, i) => agentReplied(`reply ${i}`, at(MINUTE + i), { id: `r-${i}`, conversation: 'cv_m1' }));
    const strays = Array.from({ length: UNMATCHED_REPORTS_KEPT + 3 }, (_, i) => providerReported(`SM-stray-${i}`, 'delivered', at(2 * MINUTE + i), { id: `p-stray-${i}` }));
    const { delivery } = fold([hello, ...replies, ...strays]).state;
    expect(delivery?.messages.map((m) => m.messageId)).toEqual(replies.slice(5).map((r) => r.id));
    expect(delivery?.unmatched.map((u) => u.providerMessageId)).toEqual(strays.slice(3).map((_, i) => `SM-stray-${i + 3}`));
  });

  it('folded in one batch or several, with the stored form read back in between (live vs rebuild vs replay), the state is the same byte for byte', () => {
    const events: AnyEvent[] = [hello, reply, queued, delivered, sent, undelivered, read, agentReplied('More', at(2 * MINUTE), { id: 'r3', conversation: 'cv_m1' })];
    const whole = serializeFold(fold(events).state);
    for (let cut = 1; cut < events.length; cut++) {
      const first = foldEvents(emptyFold(TENANT, CUSTOMER), events.slice(0, cut), defaultFoldPolicy).state;
      // What Redis gives back, read as the store reads it: the conversations live under their own keys.
      const stored = { ...foldFromStored(JSON.parse(serializeFold(first)) as StoredCustomerFold), conversations: first.conversations };
      expect(serializeFold(foldEvents(stored, events.slice(cut), defaultFoldPolicy).state)).toBe(whole);
    }
  });
});

describe('the conversation view', () => {
  it('puts each outbound line’s delivery on it; lines with nothing reported, inbound lines and notes get none', () => {
    const note = internalNote('VIP', at(2 * MINUTE), { id: 'n1', conversation: 'cv_m1' });
    const pending = agentReplied('Anything else?', at(3 * MINUTE), { id: 'r2', conversation: 'cv_m1' });
    const { state, effects } = fold([hello, reply, note, pending, queued, sent, delivered]);
    const lines = withOutcomes(
      effects.transcript.map((t) => t.entry),
      { delivery: deliveryIn(state.delivery, 'cv_m1'), media: new Map() },
    );
    expect(lines.map((l) => [l.eventId, l.messageId, l.delivery])).toEqual([
      ['m1', undefined, undefined],
      ['r1', 'msg-1', { status: 'delivered', at: at(MINUTE + 3000) }],
      ['n1', undefined, undefined],
      ['r2', 'r2', undefined],
    ]);
  });
});

describe('joinDelivery', () => {
  const states: DeliveryState[] = [
    { status: 'queued', at: at(1) },
    { status: 'sent', at: at(2) },
    { status: 'sent', at: at(1) },
    { status: 'failed', at: at(3), error: 'b' },
    { status: 'failed', at: at(3), error: 'a' },
    { status: 'delivered', at: at(4) },
    { status: 'read', at: at(5) },
  ];
  it('is commutative, associative and idempotent (a maximum), so order and repeats never matter', () => {
    for (const a of states) {
      expect(joinDelivery(a, a)).toEqual(a);
      for (const b of states) {
        expect(joinDelivery(a, b)).toEqual(joinDelivery(b, a));
        for (const c of states) expect(joinDelivery(joinDelivery(a, b), c)).toEqual(joinDelivery(a, joinDelivery(b, c)));
      }
    }
  });
});

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
