import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deterministicEventId } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { conversationIdFor } from '../../../src/domain/fold/conversation.ts';
import { mediaQueueName } from '../../../src/roles/outbound.ts';
import { postAsTwilio, smtpClient, twilioInboundSms } from '../../../scripts/sim/doors.ts';
import { eventually } from '../../support/collect.ts';
import { RoleProcesses } from '../../support/failover.ts';
import { freePort } from '../../support/free-port.ts';
import { testLogger } from '../../support/kafka.ts';
import { obliterateQueues, tearDownDeployment } from '../../support/teardown.ts';
import { writeConfigDir } from '../../support/workers.ts';
import { ACCOUNT_SID, API_KEY, AUTH_TOKEN, outboundConfig, startProviderApis, startSmtpSink, TENANT, TWILIO_FROM } from '../outbound/support.ts';
import { has, isReady, labelValues, scrape, total, waitForProbe, type Sample } from './support.ts';

/**
 * Every role as a process of its own, as deployed, each scraped on its own port (the api on its
 * HTTP port, the others on their metrics port) while real traffic goes through: signed Twilio SMS
 * webhooks and a mail over SMTP in, agents' replies out through a Twilio stand-in (delivered,
 * refused for good, delivered after a retry), every message.received POSTed to a webhook
 * subscriber. The figures each role shows must move as that traffic says, and no label may carry a
 * phone number or an e-mail address.
 */

const ROLES = ['api', 'smtp', 'fold-bridge', 'fold-worker', 'workflow', 'outbound', 'webhooks'] as const;
type RoleName = (typeof ROLES)[number];
const SMS = 5;
const phone = (n: number) => `+1415555${2000 + n}`;
const SUPPORT_ADDRESS = 'support@acme.test';
const CUSTOMER_MAIL = 'jane.metrics@example.com';

let apis: Awaited<ReturnType<typeof startProviderApis>>;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let subscriber: { url: string; received: number; server: Server };
let config: Config;
let configDir: string;
let processes: RoleProcesses;
const bases = new Map<RoleName, string>();
const children = new Map<RoleName, ChildProcess>();
let startedMs = 0;

async function startSubscriber() {
  const state = { url: '', received: 0, server: createServer() };
  state.server.on('request', (request, response) => {
    request.resume();
    request.on('end', () => {
      state.received++;
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', r));
  const address = state.server.address();
  state.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks`;
  return state;
}

beforeAll(async () => {
  apis = await startProviderApis();
  sink = await startSmtpSink();
  subscriber = await startSubscriber();
  const base = outboundConfig({ providerUrl: apis.url, smtpPort: sink.port });
  const [httpPort, smtpPort] = [await freePort(), await freePort()];
  config = {
    ...base,
    http: { ...base.http, host: '127.0.0.1', port: httpPort },
    channels: {
      ...base.channels,
      publicUrl: `http://127.0.0.1:${httpPort}`,
      email: { ...base.channels.email, smtp: { ...base.channels.email.smtp, host: '127.0.0.1', port: smtpPort }, addresses: { [SUPPORT_ADDRESS]: TENANT } },
    },
    webhooks: { ...base.webhooks, subscriptions: [{ id: 'metrics-spec', tenant: '*', url: subscriber.url, secret: 'metrics-spec-webhook-secret', events: ['message.received'] }] },
    // The agents' replies are the only messages out: the bot's hand-offs would add deliveries of their own.
    tenants: { ...base.tenants, settings: { ...base.tenants.settings, [TENANT]: { bot: { enabled: false } } } },
  };
  configDir = writeConfigDir(config);
  processes = new RoleProcesses(configDir);
  const started = performance.now();
  for (const role of ROLES) {
    if (role === 'api') {
      children.set(role, processes.start(role));
      bases.set(role, `http://127.0.0.1:${httpPort}`);
    } else {
      const port = await freePort();
      children.set(role, processes.start(role, { METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' }));
      bases.set(role, `http://127.0.0.1:${port}`);
    }
  }
  await Promise.all(ROLES.map((role) => waitForProbe(bases.get(role)!, '/readyz', isReady, { timeoutMs: 110_000, process: children.get(role)! })));
  startedMs = Math.round(performance.now() - started);
}, 180_000);

afterAll(async () => {
  await processes?.stopAll();
  if (config) {
    const redis = new Redis(config.redis.url);
    try {
      await obliterateQueues(redis, [config.outbound.queue, mediaQueueName(config.outbound.queue), config.webhooks.queue]);
      await tearDownDeployment(config, redis, createKafka(config.kafka, testLogger), { groups: [config.outbound.consumerGroup, config.webhooks.consumerGroup] });
    } finally {
      redis.disconnect();
    }
  }
  if (configDir) rmSync(configDir, { recursive: true, force: true });
  await apis?.close();
  await sink?.close();
  await new Promise((r) => subscriber?.server.close(r));
}, 60_000);

const scrapeAll = async () => new Map(await Promise.all(ROLES.map(async (role) => [role, await scrape(bases.get(role)!)] as const)));

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${bases.get('api')}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, unknown> | null };
}

describe('metrics and readiness of every role, as processes, under real traffic', () => {
  it('each role is ready, its checks naming what it depends on', async () => {
    console.log(`[metrics] ${ROLES.length} role processes ready in ${(startedMs / 1000).toFixed(1)} s`);
    const checks = new Map(await Promise.all(ROLES.map(async (role) => [role, (await waitForProbe(bases.get(role)!, '/readyz', isReady)).body.checks!] as const)));
    for (const role of ROLES) expect(checks.get(role), role).toMatchObject({ kafka: 'ok', redis: 'ok' });
    expect(checks.get('fold-bridge')).toMatchObject({ [`consumer:${config.fold.consumerGroup}`]: 'ok', started: 'ok' });
    expect(checks.get('fold-worker')).toMatchObject({ [`worker:${config.fold.queue}`]: 'ok' });
    expect(checks.get('workflow')).toMatchObject({ [`worker:${config.fold.workflowQueue}`]: 'ok' });
    expect(checks.get('outbound')).toMatchObject({ [`consumer:${config.outbound.consumerGroup}`]: 'ok', [`worker:${config.outbound.queue}`]: 'ok', [`worker:${mediaQueueName(config.outbound.queue)}`]: 'ok' });
    expect(checks.get('webhooks')).toMatchObject({ [`consumer:${config.webhooks.consumerGroup}`]: 'ok', [`worker:${config.webhooks.queue}`]: 'ok' });
    for (const role of ROLES) expect((await fetch(`${bases.get(role)}/healthz`)).status, role).toBe(200);
  });

  it('the figures move as the traffic says, and no label carries a phone number or an e-mail address', async () => {
    const began = performance.now();
    const before = await scrapeAll();
    const delta = (role: RoleName, after: Map<RoleName, { samples: Sample[] }>, name: string, labels: Record<string, string> = {}) =>
      total(after.get(role)!.samples, name, labels) - total(before.get(role)!.samples, name, labels);

    // Replies: the first number's is delivered, the second's refused for good (400), the third's
    // delivered after one 503 (a retry).
    const to = (call: { body: string }) => new URLSearchParams(call.body).get('To');
    let refusedOnce = false;
    apis.script((call) => {
      if (call.method !== 'POST' || !call.path.includes('/Messages.json')) return undefined;
      if (to(call) === phone(2)) return { status: 400, json: { code: 21211, message: 'The To number is not a valid phone number', status: 400 } };
      if (to(call) === phone(3) && !refusedOnce) {
        refusedOnce = true;
        return { status: 503, json: { code: 20500, message: 'Service unavailable', status: 503 } };
      }
      return undefined;
    });

    const apiUrl = bases.get('api')!;
    const sids = Array.from({ length: SMS }, () => `SM${randomBytes(16).toString('hex')}`);
    for (const [i, sid] of sids.entries()) {
      const answer = await postAsTwilio(apiUrl, config.channels.publicUrl, AUTH_TOKEN, '/webhooks/twilio/sms', twilioInboundSms({ accountSid: ACCOUNT_SID, messageSid: sid, from: phone(i + 1), to: TWILIO_FROM, body: `Where is order ${i + 1}?` }));
      expect(answer.status).toBe(200);
    }
    const forged = await postAsTwilio(apiUrl, config.channels.publicUrl, 'not-the-auth-token', '/webhooks/twilio/sms', twilioInboundSms({ accountSid: ACCOUNT_SID, messageSid: `SM${randomBytes(16).toString('hex')}`, from: phone(9), to: TWILIO_FROM, body: 'forged' }));
    expect(forged.status).toBe(403);

    const mail = smtpClient('127.0.0.1', config.channels.email.smtp.port);
    try {
      await mail.send({ from: CUSTOMER_MAIL, to: SUPPORT_ADDRESS, subject: 'Metrics', text: 'My parcel is late.' });
      await expect(mail.send({ from: CUSTOMER_MAIL, to: 'nobody@acme.test', subject: 'x', text: 'x' })).rejects.toThrow(/550/);
    } finally {
      mail.close();
    }

    // Agents reply to the first three customers, once their conversations are folded.
    for (const [i, sid] of sids.slice(0, 3).entries()) {
      const conversation = conversationIdFor(deterministicEventId(TENANT, 'twilio', sid));
      await eventually(`conversation ${i + 1} folded`, async () => (await api('GET', `/v1/conversations/${conversation}`)).status === 200, 60_000);
      const reply = await api('POST', `/v1/conversations/${conversation}/messages`, { text: `On its way, ${i + 1}.`, authorId: 'agent-7' });
      expect(reply.status).toBe(202);
    }

    let after = before;
    await eventually(
      'deliveries and webhook posts counted',
      async () => {
        after = await scrapeAll();
        const out = (result: string) => delta('outbound', after, 'cs_outbound_deliveries_total', { channel: 'sms', provider: 'twilio', result });
        return out('delivered') >= 2 && out('failed') >= 1 && delta('webhooks', after, 'cs_webhook_deliveries_total', { result: 'delivered' }) >= SMS + 1;
      },
      90_000,
    );
    console.log(`[metrics] traffic counted by every role within ${((performance.now() - began) / 1000).toFixed(1)} s`);

    // The api: the doors' appends and refusals, the webhook route's answers, the agents' replies.
    expect(delta('api', after, 'cs_events_appended_total', { source: '/adapters', type: 'message.received' })).toBe(SMS);
    expect(delta('api', after, 'cs_events_appended_total', { source: '/api', type: 'message.sent' })).toBe(3);
    expect(delta('api', after, 'cs_http_request_duration_seconds_count', { method: 'POST', route: '/webhooks/twilio/sms', status: '200' })).toBe(SMS);
    expect(delta('api', after, 'cs_http_request_duration_seconds_count', { method: 'POST', route: '/webhooks/twilio/sms', status: '403' })).toBe(1);
    expect(delta('api', after, 'cs_events_rejected_total', { door: 'twilio', code: 'invalid_signature' })).toBe(1);
    // The smtp door: the mail appended, the unknown recipient refused.
    expect(delta('smtp', after, 'cs_events_appended_total', { source: '/adapters', type: 'message.received' })).toBe(1);
    expect(delta('smtp', after, 'cs_events_rejected_total', { door: 'smtp', code: 'unknown_recipient' })).toBe(1);
    // The fold: every message, reply and status folded, in timed batches.
    expect(delta('fold-worker', after, 'cs_events_folded_total', { outcome: 'applied' })).toBeGreaterThanOrEqual(SMS + 1 + 3);
    expect(delta('fold-worker', after, 'cs_fold_batch_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(delta('fold-worker', after, 'cs_job_duration_seconds_count', { queue: config.fold.queue, outcome: 'completed' })).toBeGreaterThanOrEqual(1);
    // The workflow: the steps the fold asked for (triage of each new conversation at least) pumped and run.
    expect(delta('workflow', after, 'cs_workflow_pumped_total', { kind: 'step' })).toBeGreaterThanOrEqual(SMS + 1);
    expect(delta('workflow', after, 'cs_job_duration_seconds_count', { queue: config.fold.workflowQueue })).toBeGreaterThanOrEqual(SMS + 1);
    expect(delta('workflow', after, 'cs_events_appended_total', { source: '/workflow' })).toBeGreaterThanOrEqual(SMS + 1);
    // Outbound: one refused for good, one delivered at once, one delivered after a retry.
    const out = (result: string) => delta('outbound', after, 'cs_outbound_deliveries_total', { channel: 'sms', provider: 'twilio', result });
    expect({ delivered: out('delivered'), retried: out('retried'), failed: out('failed') }).toEqual({ delivered: 2, retried: 1, failed: 1 });
    // Its status events: queued for each of the three, sent for two, failed for one.
    expect(delta('outbound', after, 'cs_events_appended_total', { source: '/outbound', type: 'message.status_updated' })).toBe(6);
    // Webhooks: each message.received (five SMS and the mail) POSTed once to the subscriber.
    expect(delta('webhooks', after, 'cs_webhook_deliveries_total', { result: 'delivered' })).toBe(SMS + 1);
    expect(subscriber.received).toBe(SMS + 1);

    // What is read at scrape: lag per partition of each group, queue depth per state.
    const partitions = (role: RoleName, group: string) => after.get(role)!.samples.filter((s) => s.name === 'cs_consumer_group_lag' && s.labels.group === group).map((s) => s.labels.partition).sort();
    const all = Array.from({ length: config.kafka.partitions }, (_, p) => String(p)).sort();
    expect(partitions('fold-bridge', config.fold.consumerGroup)).toEqual(all);
    expect(partitions('outbound', config.outbound.consumerGroup)).toEqual(all);
    expect(partitions('webhooks', config.webhooks.consumerGroup)).toEqual(all);
    for (const [role, queue] of [['fold-bridge', config.fold.queue], ['workflow', config.fold.workflowQueue], ['outbound', config.outbound.queue], ['webhooks', config.webhooks.queue]] as const) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(has(after.get(role)!.samples, 'cs_queue_jobs', { queue, state }), `${role} ${queue} ${state}`).toBe(true);
    }
    // The refused reply's job failed for good: it stays in the failed set.
    expect(total(after.get('outbound')!.samples, 'cs_queue_jobs', { queue: config.outbound.queue, state: 'failed' })).toBe(1);
    expect(has(after.get('workflow')!.samples, 'cs_workflow_pump_backlog', { kind: 'timers' })).toBe(true);
    for (const role of ROLES) {
      const { samples } = after.get(role)!;
      expect(has(samples, 'process_cpu_user_seconds_total'), `${role}: process metrics`).toBe(true);
      expect(total(samples, 'cs_ready', { check: 'kafka' }), `${role}: cs_ready`).toBe(1);
    }

    // No personal data anywhere: not in a label, not anywhere in the text.
    const personal = [...Array.from({ length: 9 }, (_, n) => phone(n + 1).slice(1)), CUSTOMER_MAIL, SUPPORT_ADDRESS, 'nobody@acme.test'];
    for (const role of ROLES) {
      const { text, samples } = after.get(role)!;
      for (const value of labelValues(samples)) {
        expect(value, `${role}: a label value like a phone number`).not.toMatch(/\+?\d{7,}/);
        expect(value, `${role}: a label value like an e-mail address`).not.toMatch(/@/);
      }
      for (const datum of personal) expect(text.includes(datum), `${role} shows ${datum}`).toBe(false);
    }
  }, 180_000);
});
