import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { rebuildProjections } from '../../../src/fold/rebuild.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { sealedKeyId } from '../../../src/privacy/index.ts';
import { dataKeyKeys } from '../../../src/privacy/keys.ts';
import type { SubjectAccessExport } from '../../../src/replay/subject-access.ts';
import type { SweepOutcome } from '../../../src/retention/sweep.ts';
import { startWorkflowRole } from '../../../src/roles/workflow.ts';
import { eventually } from '../../support/collect.ts';
import { testLogger } from '../../support/kafka.ts';
import { diffDumps, dropNamespace } from '../../support/namespace.ts';
import { dumpNamespacePipelined } from '../../support/namespace-dump.ts';
import { writeConfigDir } from '../../support/workers.ts';
import { API_KEY, collectEvents, outboundConfig, startEngine, TENANT } from '../outbound/support.ts';

/**
 * Retention of message text: the tenant keeps text 30 days after a conversation is resolved. Three
 * customers came through the adapters' door (`POST /v1/events`, as a migration from another help
 * desk would): one whose January 2025 conversation was resolved that January and who wrote again
 * today, one whose February 2025 conversation is still open, one whose conversation was resolved five
 * days ago. A sweep (`cs retention sweep`) makes only the first one's January text unreadable: in
 * the API, the subject-access export and the log, where its key is gone. Handles stay (they are
 * the customer's, not a message's), the KPI replay is unchanged and live still equals a rebuild.
 * The workflow role runs the same sweep on its schedule.
 */
const root = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
const MARK = randomBytes(6).toString('hex');
const DAY = 86_400_000;
const now = Date.now();
const isoAgo = (days: number) => new Date(now - days * DAY).toISOString();

const OLD = `cus_old_${MARK}`;
const OPEN = `cus_open_${MARK}`;
const RECENT = `cus_recent_${MARK}`;
const LATER = `cus_later_${MARK}`;
const OLD_HANDLE = '+14155550101';
const OLD_TEXT = `My January order ${MARK} never came`;
const OLD_SUBJECT = `Order ${MARK}`;
const TRANSFER_NOTE = `Customer says order ${MARK} is lost; billing to refund`;
const TODAY_TEXT = `Hello again about ${MARK}`;
const OPEN_TEXT = `Still waiting since February ${MARK}`;
const RECENT_TEXT = `Resolved lately ${MARK}`;
const LATER_TEXT = `Expired by the schedule ${MARK}`;

let config: Config;
let engine: Awaited<ReturnType<typeof startEngine>>;
let redis: Redis;

beforeAll(async () => {
  const base = outboundConfig({ providerUrl: 'http://127.0.0.1:9', smtpPort: 9 });
  config = {
    ...base,
    // Conversations stay open until resolved (no inactivity closes the spans this spec sets up). Keys cached half a second: the API process learns of the command's sweep that fast.
    privacy: { masterKeys: { m1: randomBytes(32).toString('base64') }, activeMasterKey: 'm1', keyCacheMs: 500, retentionSweepMs: 3_600_000, retentionGraceMs: 0 },
    tenants: { ...base.tenants, settings: { ...base.tenants.settings, [TENANT]: { retention: { text: '30d' }, autoResolveAfter: '400d' } } },
  };
  engine = await startEngine(config, []);
  redis = new Redis(config.redis.url);
}, 90_000);

afterAll(async () => {
  await engine?.close();
  if (redis) {
    await dropNamespace(redis, `${config.fold.namespace}-rebuilt`);
    for (const key of await redis.keys(`cs:dk:{${config.instance}:*`)) await redis.del(key);
    redis.disconnect();
  }
});

const cs = async (...args: string[]) =>
  (await run(process.execPath, [join(root, 'bin/cs.js'), ...args], { cwd: root, env: { ...process.env, CS_CONFIG_DIR: writeConfigDir(config), CS_FROM_SOURCES: '1', LOG_LEVEL: 'silent' }, maxBuffer: 64 * 1024 * 1024 })).stdout;

let sequence = 0;
const envelope = (type: string, customer: string, time: string, data: Record<string, unknown>, conversation?: string) => ({
  specversion: '1.0',
  id: `evt_${MARK}_${(sequence += 1)}`,
  source: '/adapters/migration',
  type,
  time,
  tenant: TENANT,
  customer,
  ...(conversation ? { conversation } : {}),
  data,
});
const received = (customer: string, time: string, handle: string, text: string, extra: Record<string, unknown> = {}) =>
  envelope('message.received', customer, time, { channel: 'sms', provider: 'twilio', handle, text, ...extra });

async function publish(...events: unknown[]): Promise<void> {
  const response = await fetch(`${engine.harness.url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/x-ndjson' },
    body: events.map((e) => JSON.stringify(e)).join('\n'),
  });
  expect(response.status, await response.text()).toBe(202);
}

/** The customer's only (or latest) conversation, once folded. */
async function conversationOf(customer: string, count = 1): Promise<string> {
  return (await engine.customer(customer, (c) => c.conversationIds.length >= count)).conversationIds.at(-1)!;
}

async function resolveAt(customer: string, conversation: string, at: string): Promise<void> {
  await publish(envelope('conversation.resolved', customer, at, { by: { kind: 'agent', id: 'agent_1' }, at, reason: 'agent' }, conversation));
  await engine.conversation(conversation, (c) => c.status === 'resolved');
}

const kpis = async () => {
  const report = JSON.parse(await cs('replay', '--kafka', '--format', 'json', '--group-by', 'channel')) as { total: unknown; groups: unknown };
  return { total: report.total, groups: report.groups };
};

describe('retention of message text', () => {
  it('given conversations resolved long ago, open, and resolved lately, when swept, then only the text past retention reads [expired], everywhere, and the KPIs and live-equals-rebuild hold', async () => {
    // January 2025: a message, an agent's transfer note quoting it, the resolution.
    await publish(received(OLD, '2025-01-10T09:00:00.000Z', OLD_HANDLE, OLD_TEXT, { subject: OLD_SUBJECT }));
    const january = await conversationOf(OLD);
    await publish(envelope('conversation.transferred', OLD, '2025-01-10T10:00:00.000Z', { toAgent: null, toTeam: 'support', by: { kind: 'agent', id: 'agent_1' }, reason: TRANSFER_NOTE }, january));
    await resolveAt(OLD, january, '2025-01-11T09:00:00.000Z');
    await publish(received(OLD, new Date(now).toISOString(), OLD_HANDLE, TODAY_TEXT));
    const today = await conversationOf(OLD, 2);
    await publish(received(OPEN, '2025-02-10T09:00:00.000Z', '+14155550102', OPEN_TEXT));
    const open = await conversationOf(OPEN);
    await publish(received(RECENT, isoAgo(70), '+14155550103', RECENT_TEXT));
    const recent = await conversationOf(RECENT);
    await resolveAt(RECENT, recent, isoAgo(5));

    const read = async (conversation: string) => JSON.stringify((await engine.api('GET', `/v1/conversations/${conversation}`)).body);
    expect(await read(january)).toContain(OLD_TEXT);
    const exportOf = async (customer: string) => (await engine.api('GET', `/v1/customers/${customer}/export`)).body as unknown as SubjectAccessExport;
    expect(JSON.stringify(await exportOf(OLD))).toContain(TRANSFER_NOTE);
    const kpisBefore = await kpis();

    // A dry run counts and destroys nothing.
    const dry = JSON.parse(await cs('retention', 'sweep', '--tenant', TENANT, '--dry-run', '--json')) as SweepOutcome;
    expect(dry).toMatchObject({ tenant: TENANT, dryRun: true, expired: 1, customers: 3, kept: { month: 1, open: 1, resolved: 1, made: 0 } });
    expect(await read(january)).toContain(OLD_TEXT);

    // Every tenant whose file sets a retention (the shipped example's too): a JSON line each.
    const outcomes = (await cs('retention', 'sweep', '--json')).trim().split('\n').map((line) => JSON.parse(line) as SweepOutcome);
    const swept = outcomes.find((o) => o.tenant === TENANT);
    expect(swept).toMatchObject({ tenant: TENANT, dryRun: false, expired: 1, customers: 3, kept: { month: 1, open: 1, resolved: 1 } });

    // The API: January's text, subject and note read [expired]; the handle, today's text and the others' stay.
    await eventually('the API process forgot the key', async () => !(await read(january)).includes(OLD_TEXT), 5_000);
    const januaryText = await read(january);
    expect(januaryText).not.toContain(OLD_TEXT);
    expect(januaryText).not.toContain(OLD_SUBJECT);
    expect(januaryText).toContain('[expired]');
    expect(januaryText).toContain(OLD_HANDLE);
    expect(await read(today)).toContain(TODAY_TEXT);
    expect(await read(open)).toContain(OPEN_TEXT);
    expect(await read(recent)).toContain(RECENT_TEXT);

    // The subject-access export says the same of the log's events.
    const subject = await exportOf(OLD);
    const januaryEvent = subject.events.find((e) => e.type === 'message.received' && e.time.startsWith('2025-01'));
    expect(januaryEvent).toMatchObject({ data: { text: '[expired]', subject: '[expired]', handle: OLD_HANDLE } });
    expect(subject.events.find((e) => e.type === 'conversation.transferred')).toMatchObject({ data: { reason: '[expired]' } });
    expect(JSON.stringify(subject)).not.toContain(OLD_TEXT);
    expect(JSON.stringify(subject)).not.toContain(TRANSFER_NOTE);
    expect(JSON.stringify(subject)).toContain(TODAY_TEXT);

    // The log: January's text is sealed under a key the key store no longer holds, recorded as retired.
    const log = await collectEvents(config);
    let sealedJanuary: string | undefined;
    await eventually('the log read back', async () => {
      const found = log.events.find((e) => e.type === 'message.received' && e.customer === OLD && e.time.startsWith('2025-01'));
      sealedJanuary = found?.type === 'message.received' ? found.data.text : undefined;
      return sealedJanuary !== undefined;
    });
    await log.close();
    const keyId = sealedKeyId(sealedJanuary!)!;
    const keys = dataKeyKeys(config.instance, TENANT);
    expect(await redis.hget(keys.keys, keyId)).toBeNull();
    expect(await redis.hget(keys.retired, keyId)).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Object.keys(await redis.hgetall(keys.text(OLD))).filter((f) => !f.endsWith(':made'))).toEqual([new Date(now).toISOString().slice(0, 7)]);

    // Swept again: nothing more to do.
    expect(JSON.parse(await cs('retention', 'sweep', '--tenant', TENANT, '--json'))).toMatchObject({ expired: 0, customers: 3 });

    // The KPIs never read text: the same report.
    expect(await kpis()).toEqual(kpisBefore);

    // A rebuild folds the same sealed bytes: byte-equal to the live projections.
    const rebuiltNs = `${config.fold.namespace}-rebuilt`;
    await rebuildProjections({ config: { ...config, fold: { ...config.fold, cacheCustomers: 0 } }, kafka: createKafka(config.kafka, testLogger), redis, logger: testLogger, namespace: rebuiltNs, switchReads: false });
    const rebuilt = await dumpNamespacePipelined(redis, rebuiltNs);
    expect(rebuilt.size).toBeGreaterThan(0);
    expect(diffDumps(await dumpNamespacePipelined(redis, config.fold.namespace), rebuilt)).toEqual([]);
  }, 180_000);

  it('given a tenant with retention, when the workflow role runs, then its schedule sweeps the text of a conversation resolved long ago', async () => {
    await publish(received(LATER, '2025-03-03T09:00:00.000Z', '+14155550104', LATER_TEXT));
    const conversation = await conversationOf(LATER);
    await resolveAt(LATER, conversation, '2025-03-04T09:00:00.000Z');
    const workflow = await startWorkflowRole({ ...config, privacy: { ...config.privacy, retentionSweepMs: 1000 } }, testLogger);
    try {
      const schedulers = await workflow.queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key)).toContain(`retention:${TENANT}`);
      await eventually('the scheduled sweep expired the March text', async () => JSON.stringify((await engine.api('GET', `/v1/conversations/${conversation}`)).body).includes('[expired]'), 30_000);
      expect(JSON.stringify((await engine.api('GET', `/v1/conversations/${conversation}`)).body)).not.toContain(LATER_TEXT);
    } finally {
      await workflow.close();
    }
  }, 90_000);

  it('given a tenant whose file sets no retention, when swept by name, then the command says why and exits non-zero', async () => {
    const failed = await cs('retention', 'sweep', '--tenant', 'globex').then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('tenant globex keeps message text as long as the customer is');
  }, 30_000);
});
