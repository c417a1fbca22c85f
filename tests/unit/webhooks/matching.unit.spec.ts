import { describe, expect, it } from 'vitest';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import type { WebhookSubscription } from '../../../src/config/webhooks.ts';
import { deliveriesFor, webhookDeliveryId } from '../../../src/webhooks/delivery.ts';
import { eventPatternProblem, matchesEventType } from '../../../events/patterns.ts';

const subscription = (id: string, tenant: string, events: string[]): WebhookSubscription => ({ id, tenant, url: `https://hooks.example/${id}`, secret: 'whsec-0123456789abcdef', events });

function resolved(tenant: string, id = 'evt-1'): AnyEvent {
  return createEvent({ type: 'conversation.resolved', id, source: '/tests', tenant, customer: 'c1', conversation: 'cv1', time: '2026-03-02T09:00:00Z', data: { by: { kind: 'agent', id: 'agent-1' }, at: '2026-03-02T09:00:00Z', reason: 'agent' } });
}

describe('event patterns', () => {
  it('an exact type matches only itself', () => {
    expect(matchesEventType('sla.breached', 'sla.breached')).toBe(true);
    expect(matchesEventType('sla.breached', 'sla.warned')).toBe(false);
  });

  it('a prefix pattern matches every type under the prefix, and not the prefix’s look-alikes', () => {
    expect(matchesEventType('conversation.*', 'conversation.resolved')).toBe(true);
    expect(matchesEventType('conversation.*', 'conversation.priority_changed')).toBe(true);
    expect(matchesEventType('conversation.*', 'conversations.resolved')).toBe(false);
    expect(matchesEventType('conversation.*', 'message.sent')).toBe(false);
  });

  it('* matches every type', () => {
    expect(matchesEventType('*', 'message.received')).toBe(true);
  });

  it('accepts catalogue types and patterns that match some of them; names what is wrong otherwise', () => {
    expect(eventPatternProblem('conversation.resolved')).toBeNull();
    expect(eventPatternProblem('conversation.*')).toBeNull();
    expect(eventPatternProblem('*')).toBeNull();
    expect(eventPatternProblem('conversation.resolve')).toMatch(/not an event type of the catalogue/);
    expect(eventPatternProblem('invoice.*')).toMatch(/matches no event type/);
    expect(eventPatternProblem('conversation.re*')).toMatch(/neither an event type/);
    expect(eventPatternProblem('Conversation.Resolved')).toMatch(/neither an event type/);
  });
});

describe('deliveries for an event', () => {
  const subscriptions = [
    subscription('crm', 'acme', ['conversation.*']),
    subscription('bi', '*', ['conversation.resolved', 'survey.answered']),
    subscription('alerts', 'acme', ['sla.breached']),
    subscription('globex-crm', 'globex', ['*']),
  ];

  it('given subscriptions by tenant and type, when acme resolves a conversation, then the acme and every-tenant subscriptions that want it get one delivery each', () => {
    const event = resolved('acme');
    const deliveries = deliveriesFor(subscriptions, event);
    expect(deliveries.map((d) => d.subscriptionId)).toEqual(['crm', 'bi']);
    for (const d of deliveries) {
      expect(d).toMatchObject({ tenant: 'acme', eventId: event.id, eventType: 'conversation.resolved', deliveryId: webhookDeliveryId(d.subscriptionId, 'acme', event.id) });
      // The body is the envelope itself, as on the log.
      expect(JSON.parse(d.body)).toEqual(JSON.parse(JSON.stringify(event)));
    }
  });

  it('given no subscription for the type or the tenant, then there is nothing to deliver', () => {
    const received = createEvent({ type: 'message.received', source: '/tests', tenant: 'initech', customer: 'c1', time: '2026-03-02T09:00:00Z', data: { channel: 'chat', provider: 'webchat', handle: 'v1', text: 'hi' } });
    expect(deliveriesFor(subscriptions, received)).toEqual([]);
  });
});

describe('the delivery id (Webhook-Id)', () => {
  it('is the same for the same subscription, tenant and event, whenever it is derived', () => {
    expect(webhookDeliveryId('crm', 'acme', 'evt-1')).toBe(webhookDeliveryId('crm', 'acme', 'evt-1'));
    expect(webhookDeliveryId('crm', 'acme', 'evt-1')).toMatch(/^whd_[0-9a-f]{32}$/);
  });

  it('differs by subscription, by tenant (event ids are unique per tenant only) and by event', () => {
    const ids = new Set([webhookDeliveryId('crm', 'acme', 'evt-1'), webhookDeliveryId('bi', 'acme', 'evt-1'), webhookDeliveryId('crm', 'globex', 'evt-1'), webhookDeliveryId('crm', 'acme', 'evt-2')]);
    expect(ids.size).toBe(4);
  });

  it('keeps parts apart: no separator to shift', () => {
    expect(webhookDeliveryId('a.b', 'c', 'd')).not.toBe(webhookDeliveryId('a', 'b.c', 'd'));
  });
});
