import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { afterEach, describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import { foldPolicies } from '../../../src/config/policies.ts';
import { foldBatch, type PositionedEvent } from '../../../src/fold/fold-batch.ts';
import { ProjectionReader, type ReadScope } from '../../../src/projections/reader.ts';
import { customerView } from '../../../src/projections/views.ts';
import { projectionKeys } from '../../../src/projections/keys.ts';
import { ProjectionStore } from '../../../src/projections/store.ts';
import { testConfig } from '../../support/engine.ts';
import { dropNamespace } from '../../support/namespace.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const JANE = '+14155550123';

describe('the customer view is one state of the customer, never two halves', () => {
  it('given a fold committing between the view’s reads, when the view is read, then its identities and its timeline belong to the same state', async () => {
    const config = testConfig();
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    const namespace = `view-${nanoid(6).replace(/[^A-Za-z0-9]/g, 'x')}`;
    cleanups.push(async () => {
      await dropNamespace(redis, namespace);
      redis.disconnect();
    });
    const store = new ProjectionStore(redis, namespace);
    const fold = (offset: number, event: PositionedEvent['event']) => foldBatch({ store, partition: 0, events: [{ offset: String(offset), event }], policies: foldPolicies(config.tenants), asksForSteps: false });
    const base = { source: '/tests/view', tenant: 'acme', customer: 'jane' } as const;

    // Jane's SMS is folded; her WhatsApp message (a second identity, a second line) is on its way.
    await fold(1, createEvent({ ...base, type: 'message.received', time: '2026-03-02T09:00:00.000Z', data: { channel: 'sms', provider: 'twilio', handle: JANE, text: 'Any news?' } }));
    const whatsapp = createEvent({ ...base, type: 'message.received', time: '2026-03-02T09:00:05.000Z', data: { channel: 'social', provider: 'whatsapp', handle: JANE, text: 'Writing here too' } });

    // The real reader, with the fold of the WhatsApp message committing right after the view read the customer.
    const reader = new ProjectionReader(redis, { instance: config.instance, fallback: namespace });
    let committed = false;
    const racing: Pick<ProjectionReader, 'customers' | 'positions' | 'conversationsOf' | 'transcripts'> = {
      customers: (...args) => reader.customers(...args),
      positions: (...args) => reader.positions(...args),
      conversationsOf: async (...args) => {
        if (!committed) {
          committed = true;
          await fold(2, whatsapp);
        }
        return reader.conversationsOf(...args);
      },
      transcripts: (...args) => reader.transcripts(...args),
    };
    const scope: ReadScope = { tenant: 'acme', namespace, keys: projectionKeys(namespace) };

    const view = (await customerView(racing, scope, 'jane', 50))!;

    expect(committed).toBe(true);
    expect(view.customer.identities.map((i) => i.provider)).toEqual(['twilio', 'whatsapp']);
    expect(view.timeline.map((e) => e.text)).toEqual(['Any news?', 'Writing here too']);
  });
});
