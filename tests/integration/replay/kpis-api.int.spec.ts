import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent, type AnyEvent } from '../../../events/index.ts';
import { foldPolicies } from '../../../src/config/policies.ts';
import type { Config } from '../../../src/config/schema.ts';
import { KPI_FIGURES, type KpiFigure } from '../../../src/domain/kpi/figures.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { startFoldWorkerRole } from '../../../src/roles/fold-worker.ts';
import { generateStream } from '../../../scripts/sim/stream.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger } from '../../support/kafka.ts';
import { writeConfigDir, waitForGroupCaughtUp } from '../../support/workers.ts';
import { addUserWithCli, Browser, dropAccounts } from '../accounts/support.ts';
import { tearDown } from '../outbound/support.ts';

/**
 * The supervisors' board over HTTP equals `cs replay`: two tenants' day of traffic published through
 * `POST /v1/events` and folded live; then `GET /v1/kpis` (an acme supervisor signed in; a globex
 * key of scope `read`) is the JSON `cs report --tenant` writes, and but for `meta` the JSON of
 * `cs replay --tenant` over `cs export` of the log, run as CLI processes; and the conversations
 * behind each number (`GET /v1/kpis/conversations`) are as many as the number.
 */
const A = 'acme';
const B = 'globex';
const TENANTS = [A, B] as const;
type Tenant = (typeof TENANTS)[number];
const PUBLISHER: Record<Tenant, string> = { acme: 'key-acme-kpis-publisher-0123', globex: 'key-globex-kpis-publisher-0123' };
const PASSWORD = 'correct horse battery';

function kpisConfig(): Config {
  const base = testConfig({ partitions: 3 });
  return {
    ...base,
    http: { ...base.http, apiKeys: { [PUBLISHER.acme]: A, [PUBLISHER.globex]: B } },
    // acme has its own first-response targets and service-score targets; globex runs on the defaults.
    tenants: {
      ...base.tenants,
      settings: {
        ...base.tenants.settings,
        [A]: { sla: { policy: { targets: { firstResponse: { chat: { normal: '10m' }, sms: { normal: '30m' } } } } }, kpiTargets: { handlingTime: '30m', firstContactResolution: 0.9, csat: 0.6 } },
      },
    },
  };
}

const config = kpisConfig();
const root = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
const configDir = writeConfigDir(config);
const cs = async (...args: string[]) =>
  (await run(process.execPath, [join(root, 'bin/cs.js'), ...args], { cwd: root, env: { ...process.env, CS_CONFIG_DIR: configDir, CS_FROM_SOURCES: '1', LOG_LEVEL: 'silent' }, maxBuffer: 64 * 1024 * 1024 })).stdout;

/** By hand, for acme, what the generated traffic lacks: a reopen, NPS answers, a conversation we opened. */
function byHand(): AnyEvent[] {
  const at = (minutes: number) => new Date(Date.parse('2026-01-06T10:00:00.000Z') + minutes * 60_000).toISOString();
  const ev = (customer: string, minutes: number, rest: { type: string; data: unknown; conversation?: string; id?: string }) =>
    createEvent({ source: '/tests/kpis', tenant: A, customer, time: at(minutes), ...rest } as Parameters<typeof createEvent>[0]) as AnyEvent;
  const opening = ev('kpi-ann', 0, { type: 'message.received', data: { channel: 'chat', provider: 'webchat', handle: 'visitor-kpi-ann', text: 'My parcel never came' } });
  const cv = `cv_${opening.id}`;
  const agent = (customer: string, minutes: number, conversation?: string) =>
    ev(customer, minutes, { type: 'message.sent', ...(conversation ? { conversation } : {}), data: { channel: 'chat', provider: 'webchat', author: { kind: 'agent', id: 'agent-2' }, text: 'On it' } });
  const by = { kind: 'agent', id: 'agent-2' };
  return [
    opening,
    agent('kpi-ann', 4, cv),
    ev('kpi-ann', 30, { type: 'conversation.resolved', conversation: cv, data: { by, at: at(30), reason: 'agent' } }),
    ev('kpi-ann', 90, { type: 'conversation.reopened', conversation: cv, data: { by } }),
    agent('kpi-ann', 95, cv),
    ev('kpi-ann', 120, { type: 'conversation.resolved', conversation: cv, data: { by, at: at(120), reason: 'agent' } }),
    ev('kpi-ann', 120, { type: 'survey.sent', conversation: cv, data: { surveyId: 'kpi-nps-1', kind: 'nps', channel: 'chat' } }),
    ev('kpi-ann', 150, { type: 'survey.answered', conversation: cv, data: { surveyId: 'kpi-nps-1', kind: 'nps', score: 9 } }),
    agent('kpi-bob', 10),
  ];
}

let harness: ChannelHarness;
let bridge: Awaited<ReturnType<typeof startBridgeRole>>;
let fold: ReturnType<typeof startFoldWorkerRole>;
/** Each tenant's events as published (ids: the conversations each may open). */
const published: Record<Tenant, AnyEvent[]> = { acme: [], globex: [] };
/** How each tenant reads the board: acme's supervisor signed in, globex's key of scope `read`. */
const board = {} as Record<Tenant, (path: string) => Promise<{ status: number; body: Record<string, unknown> }>>;
let exported = '';

async function publish(tenant: Tenant, events: AnyEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    const response = await fetch(`${harness.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${PUBLISHER[tenant]}`, 'content-type': 'application/x-ndjson' },
      body: events
        .slice(i, i + 500)
        .map((e) => JSON.stringify(e))
        .join('\n'),
    });
    if (response.status !== 202) throw new Error(`POST /v1/events for ${tenant}: ${response.status} ${await response.text()}`);
  }
}

beforeAll(async () => {
  harness = await startChannelHarness(config, []);
  bridge = await startBridgeRole(config, testLogger, { triggers: false });
  fold = startFoldWorkerRole(config, testLogger);

  // A day of both tenants' traffic from 2026-01-05 08:00 UTC (seeded), and acme's by hand.
  const stream = [...generateStream({ events: 4000, customers: 300, tenants: [...TENANTS], seed: 2026, policy: foldPolicies(config.tenants)(A), concurrentSessions: 40, meanGapMs: 900_000 })];
  for (const tenant of TENANTS) published[tenant] = stream.filter((e) => e.tenant === tenant);
  published.acme.push(...byHand());
  await Promise.all(TENANTS.map((tenant) => publish(tenant, published[tenant])));
  await waitForGroupCaughtUp(createKafka(config.kafka, testLogger), config.fold.consumerGroup, config.kafka.topics.events, 60_000);

  // acme: a supervisor signs in. globex: its admin makes a key of scope `read` for the board.
  const made = await Promise.all([
    addUserWithCli(config, ['--tenant', A, '--email', 'sam@acme.test', '--role', 'supervisor', '--name', 'Sam Supervisor'], PASSWORD),
    addUserWithCli(config, ['--tenant', B, '--email', 'greta@globex.test', '--role', 'admin', '--name', 'Greta Admin'], PASSWORD),
  ]);
  for (const m of made) if (m.code !== 0) throw new Error(`cs users add: ${m.stderr}`);
  const supervisor = new Browser(harness.url);
  expect((await supervisor.signIn(A, 'sam@acme.test', PASSWORD)).status).toBe(200);
  const admin = new Browser(harness.url);
  expect((await admin.signIn(B, 'greta@globex.test', PASSWORD)).status).toBe(200);
  const key = await admin.request('POST', '/v1/api-keys', { name: 'supervisors board', scopes: ['read'] });
  expect(key.status).toBe(201);
  const token = key.body.token as string;
  board.acme = async (path) => {
    const answer = await supervisor.request('GET', path);
    return { status: answer.status, body: answer.body };
  };
  board.globex = async (path) => {
    const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  exported = join(mkdtempSync(join(tmpdir(), 'cs-kpis-')), 'events.ndjson');
  await cs('export', '--out', exported);
}, 180_000);

afterAll(async () => {
  await bridge?.close();
  await fold?.close();
  await harness?.close();
  await tearDown(config, [`harness-${config.instance}`], { topics: false });
  await dropAccounts(config);
  // The live fold's change feed for the consoles.
  const redis = new Redis(config.redis.url);
  for (let cursor = '0'; ; ) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `cs:live:{${config.instance}}:*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    if ((cursor = next) === '0') break;
  }
  redis.disconnect();
});

type ReportJson = { total: Record<string, unknown>; groups: Array<Record<string, unknown> & { key: Record<string, string | null> }>; meta: Record<string, unknown> };

/** The number a figure names in a group's figures: its path, or a duration figure's `count`. */
function numberAt(figures: Record<string, unknown>, figure: KpiFigure): number {
  let value: unknown = figures;
  for (const part of figure.split('.')) value = (value as Record<string, unknown>)[part];
  if (typeof value === 'object' && value !== null && 'count' in value) value = value.count;
  return value as number;
}

describe('GET /v1/kpis: the supervisors’ board equals cs replay', () => {
  for (const tenant of TENANTS) {
    for (const groupBy of [null, 'day'] as const) {
      it(`${tenant}${groupBy ? `, by ${groupBy}` : ''}: the JSON of cs report --tenant, and but for meta of cs replay --tenant over the export`, async () => {
        const grouping = groupBy ? ['--group-by', groupBy] : [];
        const [api, report, replay] = await Promise.all([
          board[tenant](`/v1/kpis${groupBy ? `?groupBy=${groupBy}` : ''}`),
          cs('report', '--format', 'json', '--tenant', tenant, ...grouping).then((out) => JSON.parse(out) as ReportJson),
          cs('replay', '--file', exported, '--format', 'json', '--tenant', tenant, ...grouping).then((out) => JSON.parse(out) as ReportJson),
        ]);
        expect(api.status).toBe(200);
        const body = api.body as ReportJson;
        expect(body).toEqual(report);
        expect({ total: body.total, groups: body.groups }).toEqual({ total: replay.total, groups: replay.groups });
        expect(replay.meta).toMatchObject({ lateEvents: 0 });

        // Something to show: the tenant's conversations only (the replay read only theirs), by UTC day.
        expect(body.total.conversations).toBeGreaterThan(50);
        expect(body.meta).toEqual({ source: `redis:${config.fold.namespace}`, customers: expect.any(Number), conversations: body.total.conversations });
        if (groupBy) {
          expect(body.groups.map((g) => g.key)).toEqual([{ day: '2026-01-05' }, { day: '2026-01-06' }]);
          expect(body.groups.reduce((n, g) => n + (g.conversations as number), 0)).toBe(body.total.conversations);
        } else expect(body.groups).toEqual([]);
        // The tenant's own targets (acme's settings; globex the defaults).
        expect((body.total.serviceScore as { targets: unknown }).targets).toEqual(
          tenant === A ? { handlingSeconds: 1800, firstContactResolution: 0.9, csat: 0.6 } : { handlingSeconds: 14_400, firstContactResolution: 0.7, csat: 0.8 },
        );
      }, 120_000);
    }
  }

  it('a dimension it does not know is a 400 naming it, as --group-by refuses it', async () => {
    const answer = await board.acme('/v1/kpis?groupBy=day,hour');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'unknown_dimension', unknown: ['hour'], message: expect.stringContaining('unknown dimension hour') });
    await expect(cs('report', '--tenant', A, '--group-by', 'day,hour')).rejects.toMatchObject({ stderr: expect.stringContaining(answer.body.message as string) });
  }, 60_000);
});

describe('GET /v1/kpis/conversations: the conversations behind a number', () => {
  for (const tenant of TENANTS) {
    it(`${tenant}: for every figure, as many conversations (and waits and surveys) as the report's number, all the tenant's`, async () => {
      const report = (await board[tenant]('/v1/kpis?groupBy=day')).body as ReportJson;
      const own = new Set(published[tenant].map((e) => `cv_${e.id}`));
      const wrong: string[] = [];
      for (const figure of KPI_FIGURES) {
        const answer = await board[tenant](`/v1/kpis/conversations?figure=${figure}&limit=1000`);
        const body = answer.body as { number: number; total: number; conversations: Array<{ id: string; counted: number }> };
        const number = numberAt(report.total, figure);
        if (answer.status !== 200) wrong.push(`${figure}: ${answer.status} ${JSON.stringify(body)}`);
        else if (body.number !== number) wrong.push(`${figure}: ${body.number} behind it, ${number} in the report`);
        else if (body.conversations.reduce((n, c) => n + c.counted, 0) !== number || body.conversations.length !== body.total) wrong.push(`${figure}: the listed conversations count ${body.conversations.reduce((n, c) => n + c.counted, 0)}, not ${number}`);
        const strangers = body.conversations.filter((c) => !own.has(c.id)).map((c) => c.id);
        if (strangers.length > 0) wrong.push(`${figure}: lists conversations not of ${tenant}: ${strangers.join(', ')}`);
      }
      expect(wrong).toEqual([]);
      expect(numberAt(report.total, 'sla.firstResponse.breached')).toBeGreaterThan(0);

      // A day's group: its conversations, and its breached first responses slowest first.
      for (const group of report.groups) {
        const q = `group=${encodeURIComponent(JSON.stringify(group.key))}`;
        const all = (await board[tenant](`/v1/kpis/conversations?figure=conversations&limit=1000&${q}`)).body as { total: number; group: unknown; conversations: Array<{ openedAt: string }> };
        expect(all.group).toEqual(group.key);
        expect(all.total).toBe(group.conversations);
        expect(all.conversations.every((c) => c.openedAt.startsWith(group.key.day!))).toBe(true);
        const breached = (await board[tenant](`/v1/kpis/conversations?figure=sla.firstResponse.breached&${q}`)).body as { number: number; valueField: string; conversations: Array<{ firstResponseMs?: number | null }> };
        expect(breached.number).toBe(numberAt(group, 'sla.firstResponse.breached'));
        expect(breached.valueField).toBe('firstResponseMs');
        const waits = breached.conversations.map((c) => c.firstResponseMs ?? Infinity);
        expect(waits).toEqual([...waits].sort((a, b) => b - a));
      }
    }, 120_000);
  }

  it('answers conversation summaries with the figure’s value, 100 by default, slowest first for a duration', async () => {
    const report = (await board.acme('/v1/kpis')).body as ReportJson;
    const answer = await board.acme('/v1/kpis/conversations?figure=firstResponseSeconds');
    expect(answer.status).toBe(200);
    const body = answer.body as { figure: string; group: unknown; number: number; total: number; valueField: string; conversations: Array<Record<string, unknown>> };
    expect(body).toMatchObject({ figure: 'firstResponseSeconds', group: null, number: numberAt(report.total, 'firstResponseSeconds'), valueField: 'firstResponseMs' });
    expect(body.total).toBeGreaterThan(100);
    expect(body.conversations).toHaveLength(100);
    expect(Object.keys(body.conversations[0]!)).toEqual(expect.arrayContaining(['id', 'customer', 'status', 'channels', 'team', 'assignee', 'openedAt', 'sla', 'counted', 'firstResponseMs']));
    // The slowest first response is the report's slowest.
    const slowest = body.conversations[0]!.firstResponseMs as number;
    expect(slowest / 1000).toBeGreaterThanOrEqual((report.total.firstResponseSeconds as { p90: number }).p90);
  }, 60_000);

  it('a figure it does not know is a 400 listing the known ones; a group it cannot read is a 400', async () => {
    const unknown = await board.globex('/v1/kpis/conversations?figure=slaBreached');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'unknown_figure', figures: KPI_FIGURES });
    expect(unknown.body.message).toContain('sla.firstResponse.breached');
    const group = await board.globex(`/v1/kpis/conversations?figure=conversations&group=${encodeURIComponent('{"weekday":"mon"}')}`);
    expect(group.status).toBe(400);
    expect(group.body).toMatchObject({ error: 'invalid_group', message: expect.stringContaining('weekday') });
    expect((await board.globex('/v1/kpis/conversations?figure=conversations&limit=1001')).status).toBe(400);
  });
});
