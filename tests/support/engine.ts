import { nanoid } from 'nanoid';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';

/** The shipped config with every shared name (topics, queues, group, namespace) made unique to one test. */
export function testConfig(overrides: { partitions?: number; autoResolveAfter?: number } = {}): Config {
  const id = nanoid(8).replace(/[^A-Za-z0-9]/g, 'x');
  const config = loadConfig({ env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' } });
  return {
    ...config,
    instance: `test-${id}`,
    kafka: {
      ...config.kafka,
      clientId: `test-${id}`,
      partitions: overrides.partitions ?? 3,
      topics: { events: `test.${id}.events`, deadLetter: `test.${id}.dlq`, rejectedInput: `test.${id}.rejected` },
    },
    fold: {
      ...config.fold,
      namespace: `t-${id}`,
      consumerGroup: `fold-${id}`,
      queue: `fold-${id}`,
      workflowQueue: `workflow-${id}`,
      lockDuration: 4000,
      stalledInterval: 2000,
    },
    outbound: { ...config.outbound, queue: `outbound-${id}`, consumerGroup: `outbound-${id}`, fromBeginning: true, backoff: 200 },
    webhooks: { ...config.webhooks, queue: `webhooks-${id}`, consumerGroup: `webhooks-${id}`, fromBeginning: true, backoff: 200 },
    channels: { ...config.channels, email: { ...config.channels.email, webhookPassword: EMAIL_WEBHOOK_PASSWORD } },
    // Specs fire requests far faster than any client would; the limits' own spec sets its own.
    http: { ...config.http, rateLimits: { apiKey: UNLIMITED, person: UNLIMITED, webhookAddress: UNLIMITED, chatAddress: UNLIMITED } },
    tenants: {
      ...config.tenants,
      defaults: { autoResolveAfter: overrides.autoResolveAfter ?? config.tenants.defaults.autoResolveAfter },
    },
  };
}

/** Counted like any limit (the code path runs), never reached by a spec. */
const UNLIMITED = { max: 1_000_000_000, window: 60_000 };

export const EMAIL_WEBHOOK_PASSWORD = 'email-webhook-secret';
/** The basic-auth header the e-mail webhook wants under testConfig(). */
export const EMAIL_WEBHOOK_AUTH = `Basic ${Buffer.from(`sendgrid:${EMAIL_WEBHOOK_PASSWORD}`).toString('base64')}`;
