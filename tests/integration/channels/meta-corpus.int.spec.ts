import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nanoid } from 'nanoid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import { metaRoutes } from '../../../src/channels/meta/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { emptyFold, foldEvents } from '../../../src/domain/fold/customer-fold.ts';
import { deliveryIn } from '../../../src/domain/fold/delivery.ts';
import { defaultFoldPolicy } from '../../../src/domain/fold/policy.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';

/**
 * Channel fidelity of the Meta door: each file of meta-corpus/ is one case, a webhook
 * body shaped after Meta's documented examples (its `doc`), posted signed as Meta signs it, with
 * what must follow: the events on the log, the refusals on the rejected-input topic (by reason),
 * the senders that must not become customers, fields that must be absent, and for delivery
 * receipts the state of our outbound messages once the log is folded.
 */
const CORPUS = fileURLToPath(new URL('./meta-corpus/', import.meta.url));
const PAGE_ID = '104000000000001';
const IG_ACCOUNT_ID = '17841400000000001';
const WA_PHONE_NUMBER_ID = '1122334455667';

interface Case {
  case: string;
  class: string;
  doc: string;
  given: string;
  /** Bodies posted first (the customer's first message), answered 200. */
  before?: unknown[];
  /** Our messages to the customer through the case's provider: `message.sent`, then our connector's `sent` naming Meta's mid. */
  outbound?: Array<{ messageId: string; mid: string; sentAt: string }>;
  webhook: { object: string; entry: Array<Record<string, unknown>> };
  then: {
    status: number;
    /** The case's events (the sender's customer, after `before`), each matched in part. */
    events: Array<{ type: string; time?: string; data: Record<string, unknown> }>;
    /** Data fields none of the case's events may carry. */
    absent?: string[];
    rejected?: string[];
    /** [identity kind, address]: never a customer. */
    noCustomer?: Array<[string, string]>;
    /** Our message id -> its delivery status after folding (`sent`: only our connector's report reached it). */
    delivery?: Record<string, string | null>;
  };
}

const cases: Case[] = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(CORPUS, f), 'utf8')) as Case);

const tenant = `corpus-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
const appSecret = randomBytes(16).toString('hex');
let h: ChannelHarness;

beforeAll(async () => {
  const base = testConfig();
  const route = { tenant, accessToken: '' };
  const config: Config = {
    ...base,
    channels: { ...base.channels, meta: { ...base.channels.meta, appSecret, verifyToken: 'unused', routes: { [PAGE_ID]: route, [IG_ACCOUNT_ID]: route, [WA_PHONE_NUMBER_ID]: route } } },
  };
  h = await startChannelHarness(config, [metaRoutes]);
});
afterAll(async () => {
  await h?.close();
});

/** Posted as Meta does: the raw bytes, signed with the app secret in X-Hub-Signature-256. */
async function post(body: unknown): Promise<number> {
  const text = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', appSecret).update(text).digest('hex')}`;
  const response = await fetch(`${h.url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body: text });
  return response.status;
}

/** The identity key of the case's (first) sender, as the door resolves it. */
function senderKey(c: Case): string {
  const entry = c.webhook.entry[0]!;
  if (c.webhook.object === 'whatsapp_business_account') {
    const change = (entry.changes as Array<{ value: { messages: Array<{ from: string }> } }>)[0]!;
    return `phone:+${change.value.messages[0]!.from}`;
  }
  const provider = c.webhook.object === 'page' ? 'messenger' : 'instagram';
  return `${provider}:${(entry.messaging as Array<{ sender: { id: string } }>)[0]!.sender.id}`;
}

const providerOf = (c: Case) => (c.webhook.object === 'page' ? 'messenger' : c.webhook.object === 'instagram' ? 'instagram' : 'whatsapp');

describe('Meta door conformance corpus (identity, delivery receipts, message kinds)', () => {
  it('holds the cases of the three classes', () => {
    expect(cases.map((c) => c.class.split(' ')[0]).sort()).toEqual([...Array(13).fill('2'), ...Array(2).fill('5'), ...Array(3).fill('8')]);
  });

  for (const c of cases) {
    it(`${c.case}: given ${c.given}`, async () => {
      for (const body of c.before ?? []) expect(await post(body)).toBe(200);
      const key = senderKey(c);
      let customer: string | null = null;
      let seenBefore = 0;
      if (c.before?.length) {
        await eventually('the customer of the earlier messages', async () => (customer = await h.ctx.identities.lookup(tenant, key)) !== null && h.events.some((e) => e.customer === customer && e.type === 'message.received'));
        seenBefore = h.events.filter((e) => e.customer === customer && e.type !== 'customer.identified').length;
      }

      // When Meta delivers the case's webhook.
      expect(await post(c.webhook)).toBe(c.then.status);

      // Then: the refusals are kept with their reasons, and their senders are nobody.
      if (c.then.rejected?.length) {
        const kept = await h.rejected();
        for (const reason of c.then.rejected) expect({ reason, kept: kept.filter((k) => k.reason === reason).length }).toEqual({ reason, kept: 1 });
      }
      for (const [kind, address] of c.then.noCustomer ?? []) {
        expect(await h.ctx.identities.lookup(tenant, `${kind === 'phone' ? 'phone' : kind}:${address}`)).toBeNull();
        expect(h.events.some((e) => 'handle' in e.data && e.data.handle === address)).toBe(false);
      }
      if (c.then.events.length === 0) return;

      // And the events on the log, nothing more.
      customer ??= await h.ctx.identities.lookup(tenant, key);
      expect(customer).not.toBeNull();
      // One customer's events share a partition, so they are in log order: the case's come after `before`'s.
      const theirs = () => h.events.filter((e) => e.customer === customer && e.type !== 'customer.identified').slice(seenBefore);
      await eventually(`${c.case}: ${c.then.events.length} events`, () => theirs().length >= c.then.events.length);
      const got = theirs();
      expect(got.map((e) => e.type)).toEqual(c.then.events.map((e) => e.type));
      c.then.events.forEach((expected, i) => {
        expect(got[i]).toMatchObject({ tenant, ...(expected.time ? { time: expected.time } : {}), data: { channel: 'social', provider: providerOf(c), ...expected.data } });
        for (const field of c.then.absent ?? []) expect({ field, value: (got[i]!.data as Record<string, unknown>)[field] }).toEqual({ field, value: undefined });
      });

      // And for receipts: the customer's log, with our messages in it, folds to these states.
      if (c.then.delivery) await expectDelivery(c, customer!);
    });
  }
});

/**
 * Folds the customer's log as the fold worker and the replay do: their first message (from the
 * door), our messages and our connector's `sent` with Meta's mids (what the outbound role writes),
 * then the door's receipts.
 */
async function expectDelivery(c: Case, customer: string): Promise<void> {
  const door = h.events.filter((e) => e.customer === customer && e.type !== 'customer.identified');
  const first = door.find((e) => e.type === 'message.received')!;
  const receipts = door.filter((e) => e.type === 'message.status_updated');
  const opening = foldEvents(emptyFold(tenant, customer), [first], defaultFoldPolicy).state;
  const conversation = opening.customer!.openConversationId!;
  const ours: AnyEvent[] = (c.outbound ?? []).flatMap((o) => [
    createEvent({ type: 'message.sent', source: '/tests/corpus', tenant, customer, conversation, time: o.sentAt, data: { channel: 'social', provider: providerOf(c), author: { kind: 'agent', id: 'agent-1' }, text: `reply ${o.messageId}`, messageId: o.messageId } }),
    createEvent({ type: 'message.status_updated', source: '/tests/corpus', tenant, customer, conversation, time: new Date(Date.parse(o.sentAt) + 400).toISOString(), data: { channel: 'social', provider: providerOf(c), messageId: o.messageId, providerMessageId: o.mid, status: 'sent' } }),
  ]);
  const { state } = foldEvents(opening, [...ours, ...receipts], defaultFoldPolicy);
  const states = deliveryIn(state.delivery, conversation);
  const got = Object.fromEntries(Object.keys(c.then.delivery!).map((id) => [id, states.get(id)?.status ?? null]));
  expect(got).toEqual(c.then.delivery);
}
