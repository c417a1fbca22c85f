import { describe, expect, it } from 'vitest';
import { startWebhooksRole } from '../../../src/roles/webhooks.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger } from '../../support/kafka.ts';

describe('the webhooks role without subscriptions', () => {
  it('given no subscription, when the role starts (as in `all`), then it idles: no group joined, no queue, nothing connected', async () => {
    const base = testConfig();
    // Nothing answers on port 1: touching Kafka or Redis would fail or hang this spec.
    const config = { ...base, kafka: { ...base.kafka, brokers: ['127.0.0.1:1'] }, redis: { url: 'redis://127.0.0.1:1' }, webhooks: { ...base.webhooks, subscriptions: [] } };
    const role = await startWebhooksRole(config, testLogger);
    expect(role.queue).toBeNull();
    await role.close();
  });
});
