import { describe, expect, it } from 'vitest';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import { doorOf } from '../../../src/api/http-metrics.ts';
import { countAppended, countRejected, metricsRegistry } from '../../../src/observability/metrics.ts';
import { metricsAnswer, readinessAnswer } from '../../../src/observability/probe-answers.ts';
import { Readiness } from '../../../src/observability/readiness.ts';

const valueOf = async (name: string, labels: Record<string, string>) => {
  const metric = await metricsRegistry.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
};

const event = (type: 'message.received' | 'sla.breached', source: string): AnyEvent =>
  createEvent(
    type === 'sla.breached'
      ? { type, source, tenant: 'acme', customer: 'c1', conversation: 'cv_1', time: '2026-01-05T10:00:00Z', data: { metric: 'firstResponse', dueAt: '2026-01-05T10:00:00Z' } }
      : { type, source, tenant: 'acme', customer: 'c1', time: '2026-01-05T10:00:00Z', data: { channel: 'sms', provider: 'twilio', handle: '+14155550100', text: 'hi' } },
  ) as AnyEvent;

describe('metrics labels', () => {
  it('counts appends by the engine’s own source; any other source is `external`, a workflow step is `/workflow`', async () => {
    const before = { adapters: await valueOf('cs_events_appended_total', { source: '/adapters', type: 'message.received' }), external: await valueOf('cs_events_appended_total', { source: 'external' }) };
    countAppended([event('message.received', '/adapters'), event('message.received', 'https://crm.example.com/+14155550100')]);
    expect(await valueOf('cs_events_appended_total', { source: '/adapters', type: 'message.received' })).toBe(before.adapters + 1);
    expect(await valueOf('cs_events_appended_total', { source: 'external', type: 'message.received' })).toBe(before.external + 1);

    const breaches = await valueOf('cs_sla_breaches_total', { metric: 'firstResponse' });
    countAppended([event('sla.breached', '/workflow/timer'), event('sla.breached', '/api')]);
    // Only the workflow's own breaches are counted as breaches.
    expect(await valueOf('cs_sla_breaches_total', { metric: 'firstResponse' })).toBe(breaches + 1);
    expect(await valueOf('cs_events_appended_total', { source: '/workflow', type: 'sla.breached' })).toBeGreaterThanOrEqual(1);
  });

  it('takes a refusal’s code as a label only when it looks like one of the engine’s codes', async () => {
    countRejected('twilio', 'invalid_signature');
    countRejected('twilio', 'jane@example.com');
    expect(await valueOf('cs_events_rejected_total', { door: 'twilio', code: 'invalid_signature' })).toBe(1);
    expect(await valueOf('cs_events_rejected_total', { door: 'twilio', code: 'other' })).toBe(1);
  });

  it('names the door of a write route by its pattern, and none for reads and account routes', () => {
    expect(doorOf('POST', '/webhooks/twilio/sms')).toBe('twilio');
    expect(doorOf('POST', '/webhooks/meta')).toBe('meta');
    expect(doorOf('POST', '/webhooks/email')).toBe('email');
    expect(doorOf('POST', '/v1/chat/messages')).toBe('chat');
    expect(doorOf('POST', '/v1/events')).toBe('events');
    expect(doorOf('POST', '/v1/conversations/:id/messages')).toBe('actions');
    expect(doorOf('PUT', '/v1/agents/:id/status')).toBe('actions');
    expect(doorOf('GET', '/webhooks/meta')).toBeNull();
    expect(doorOf('POST', '/v1/session')).toBeNull();
    expect(doorOf('POST', '/v1/users')).toBeNull();
  });
});

describe('readiness', () => {
  it('is ready when every check of every name passes, and says which failed and why', async () => {
    const readiness = new Readiness();
    let redisUp = true;
    readiness.add('kafka', () => undefined);
    readiness.add('redis', () => undefined);
    const remove = readiness.add('redis', () => {
      if (!redisUp) throw new Error('no PONG within 1000 ms');
    });
    expect(await readiness.report()).toEqual({ ready: true, checks: { kafka: 'ok', redis: 'ok' } });
    redisUp = false;
    expect(await readiness.report()).toEqual({ ready: false, checks: { kafka: 'ok', redis: 'no PONG within 1000 ms' } });
    remove();
    expect((await readiness.report()).ready).toBe(true);
  });

  it('counts a check that does not answer in time as failed', async () => {
    const readiness = new Readiness();
    readiness.add('kafka', () => new Promise(() => undefined));
    expect(await readiness.report({}, 50)).toEqual({ ready: false, checks: { kafka: 'no answer within 50 ms' } });
  });

  it('answers 503 naming what failed, with the extra checks of the asking server', async () => {
    const answer = await readinessAnswer({ redis: () => Promise.reject(new Error('connection refused')) });
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'unready', error: 'unready', failed: ['redis'], message: 'not ready: redis (connection refused)' });
  });
});

describe('metrics answer', () => {
  it('is open without a token; with one, only to its bearer', async () => {
    expect((await metricsAnswer('', undefined)).status).toBe(200);
    const token = 'a-metrics-token-of-some-length';
    expect((await metricsAnswer(token, undefined)).status).toBe(401);
    expect((await metricsAnswer(token, 'Bearer not-the-token')).status).toBe(401);
    const answer = await metricsAnswer(token, `Bearer ${token}`);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/plain/);
    expect(answer.body).toContain('# TYPE cs_events_appended_total counter');
    expect(answer.body).toContain('process_cpu_user_seconds_total');
  });
});

describe('metrics configuration', () => {
  it('serves on 9464 by default; METRICS_PORT 0 turns the port off; a token is 16 characters or none', async () => {
    const { loadConfig } = await import('../../../src/config/load.ts');
    expect(loadConfig({ env: {} }).metrics).toEqual({ port: 9464, host: '0.0.0.0', token: '' });
    expect(loadConfig({ env: { METRICS_PORT: '0', METRICS_TOKEN: 'a-metrics-token-of-some-length' } }).metrics).toMatchObject({ port: 0, token: 'a-metrics-token-of-some-length' });
    expect(() => loadConfig({ env: { METRICS_TOKEN: 'short' } })).toThrow(/metrics\.token: .*16 characters.*\(from METRICS_TOKEN\)/);
  });
});
