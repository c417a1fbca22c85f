import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { nanoid } from 'nanoid';
import { chromium, type Browser as Chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { channelRoutes } from '../../../src/channels/index.ts';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { startFoldWorkerRole } from '../../../src/roles/fold-worker.ts';
import { ProjectionReader } from '../../../src/projections/reader.ts';
import { chromiumPath } from '../../support/browser.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { screenshot } from '../../support/console.ts';
import { testLogger } from '../../support/kafka.ts';
import { addUserWithCli, Browser, dropAccounts } from '../accounts/support.ts';
import { actionsConfig, API_KEY, TENANT } from '../actions/support.ts';
import { tearDown } from '../outbound/support.ts';

/**
 * The API description as served: /docs (the UI, under the API's CSP), /docs/json (the checked-in
 * docs/openapi.json, byte for byte), and the document's word against the API's answers: every
 * answer below has a status the document lists for its operation, and a body its schema for that
 * status takes (the response schemas are descriptions only, so this is what keeps them true).
 */
const config = actionsConfig();
const PASSWORD = 'correct horse battery';
const root = resolve(import.meta.dirname, '../../..');

type Operation = { responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

let harness: ChannelHarness;
let bridge: Awaited<ReturnType<typeof startBridgeRole>>;
let fold: ReturnType<typeof startFoldWorkerRole>;
let admin: Browser;
let doc: Document;
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();

beforeAll(async () => {
  harness = await startChannelHarness(config, [...channelRoutes, actionRoutes]);
  bridge = await startBridgeRole(config, testLogger);
  fold = startFoldWorkerRole(config, testLogger);
  const made = await addUserWithCli(config, ['--tenant', TENANT, '--email', 'ada@acme.test', '--role', 'admin', '--name', 'Ada Admin'], PASSWORD);
  expect(made, made.stderr).toMatchObject({ code: 0 });
  admin = new Browser(harness.url);
  expect((await admin.signIn(TENANT, 'ada@acme.test', PASSWORD)).status).toBe(200);
  doc = JSON.parse(readFileSync(resolve(root, 'docs/openapi.json'), 'utf8')) as Document;
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await fold?.close();
  await harness?.close();
  await tearDown(config, [`harness-${config.instance}`], { topics: false });
  await dropAccounts(config);
});

/** The schema the document gives the answer of `route` with `status`, or why there is none. */
function validatorFor(route: string, status: number): ValidateFunction | string {
  const [method, url] = route.split(' ') as [string, string];
  const operation = doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
  if (!operation) return `${route} is not in the document`;
  const response = operation.responses[String(status)];
  if (!response) return `${route} answered ${status}, which the document does not list (${Object.keys(operation.responses).join(', ')})`;
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return `${route} answered ${status} with JSON, which the document does not describe`;
  const key = `${route} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    // The components ride along, so `#/components/schemas/...` resolves as in the document.
    validate = ajv.compile({ ...(schema as object), components: doc.components });
    validators.set(key, validate);
  }
  return validate;
}

/** Sends the request (the admin's cookie, or acme's configuration key) and checks the answer against the document. */
async function checked(route: string, path: string, options: { body?: unknown; as?: 'key' | 'admin' | 'anonymous' } = {}): Promise<{ status: number; body: unknown }> {
  const [method] = route.split(' ') as [string];
  const as = options.as ?? 'key';
  let status: number;
  let body: unknown;
  if (as === 'admin') {
    ({ status, body } = await admin.request(method, path, options.body));
  } else {
    const response = await fetch(`${harness.url}${path}`, {
      method,
      headers: { ...(as === 'key' ? { authorization: `Bearer ${API_KEY}` } : {}), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    status = response.status;
    const text = await response.text();
    body = text ? JSON.parse(text) : null;
  }
  const validate = validatorFor(route, status);
  if (typeof validate === 'string') throw new Error(validate);
  expect(validate(body), `${route} ${status}: ${ajv.errorsText(validate.errors)}: ${JSON.stringify(body).slice(0, 500)}`).toBe(true);
  return { status, body };
}

describe('the API description', () => {
  it('/docs/json is docs/openapi.json as checked in', async () => {
    const response = await fetch(`${harness.url}/docs/json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(doc);
  });

  it('/docs is the browsable UI, its files served under the API’s CSP, to anyone', async () => {
    const page = await fetch(`${harness.url}/docs`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('swagger');
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const file = await fetch(new URL(src, page.url));
      expect(file.status, src).toBe(200);
    }
  });

  it('shows the operations in a browser with nothing refused by the CSP', async () => {
    const browser: Chromium = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      await page.goto(`${harness.url}/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(50);
      await expect(page.locator('.info .title').innerText()).resolves.toContain('customer-service engine');
      await screenshot(page, 'docs.png');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('describes what the reads answer, with data in them', async () => {
    const customer = `cus_docs_${nanoid(8)}`;
    const event = createEvent({
      type: 'message.received',
      source: '/tests',
      tenant: TENANT,
      customer,
      time: new Date().toISOString(),
      data: { channel: 'chat', provider: 'webchat', handle: `visitor-${customer}`, text: 'Where is my order?' },
    });
    await harness.ctx.eventLog.append([event]);
    const conversation = `cv_${event.id}`;
    const reader = new ProjectionReader(harness.ctx.redis, { instance: config.instance, fallback: config.fold.namespace });
    await eventually(`conversation ${conversation}`, async () => (await reader.conversation(await reader.scope(TENANT), conversation)) !== null);
    await harness.ctx.eventLog.append([
      createEvent({ type: 'conversation.triaged', source: '/tests', tenant: TENANT, customer, conversation, time: new Date().toISOString(), data: { category: 'general', priority: 'normal', language: 'en', team: 'billing', reasons: [] } }),
    ]);
    await eventually(`${conversation} in billing`, async () => (await reader.conversation(await reader.scope(TENANT), conversation))?.team === 'billing');
    expect((await checked('POST /v1/conversations/:id/notes', `/v1/conversations/${conversation}/notes`, { body: { text: 'Checked', authorId: 'ag_anna' } })).status).toBe(202);
    expect((await checked('POST /v1/conversations/:id/assign', `/v1/conversations/${conversation}/assign`, { body: { agent: 'ag_anna' } })).status).toBe(202);
    await eventually(`${conversation} assigned`, async () => (await reader.conversation(await reader.scope(TENANT), conversation))?.assignee === 'ag_anna');
    expect((await checked('POST /v1/conversations/:id/messages', `/v1/conversations/${conversation}/messages`, { body: { text: 'On its way', authorId: 'ag_anna' } })).status).toBe(202);

    const reads: Array<[string, string]> = [
      ['GET /healthz', '/healthz'],
      ['GET /v1/conversations/:id', `/v1/conversations/${conversation}`],
      ['GET /v1/customers/:id', `/v1/customers/${customer}`],
      ['GET /v1/customers', `/v1/customers?handle=${encodeURIComponent(`visitor-${customer}`)}`],
      ['GET /v1/queues/:team', '/v1/queues/billing'],
      ['GET /v1/agents', '/v1/agents'],
      ['GET /v1/agents/:id', '/v1/agents/ag_anna'],
      ['GET /v1/agents/:id/conversations', '/v1/agents/ag_anna/conversations'],
      ['GET /v1/kpis', '/v1/kpis?groupBy=tenant'],
      ['GET /v1/kpis/conversations', '/v1/kpis/conversations?figure=conversations'],
      ['GET /v1/stream', '/v1/stream?after=0-0'],
      ['GET /v1/session', '/v1/session'],
      ['GET /v1/users', '/v1/users'],
      ['GET /v1/api-keys', '/v1/api-keys'],
      ['GET /v1/canned-responses', '/v1/canned-responses'],
      ['GET /v1/settings', '/v1/settings'],
      ['GET /v1/audit', '/v1/audit'],
    ];
    for (const [route, path] of reads) expect((await checked(route, path)).status, route).toBe(200);
    const transcript = (await checked('GET /v1/conversations/:id', `/v1/conversations/${conversation}`)).body as { transcript: unknown[] };
    expect(transcript.transcript.length).toBeGreaterThan(0);
    for (const [route, path] of [
      ['GET /v1/session', '/v1/session'],
      ['GET /v1/users', '/v1/users'],
    ] as const) {
      expect((await checked(route, path, { as: 'admin' })).status, route).toBe(200);
    }
  }, 90_000);

  it('describes the refusals: the error body and codes of each status', async () => {
    expect((await checked('GET /v1/conversations/:id', '/v1/conversations/cv_nobody')).status).toBe(404);
    expect((await checked('GET /v1/conversations/:id', '/v1/conversations/cv_nobody', { as: 'anonymous' })).status).toBe(401);
    expect((await checked('GET /v1/customers', '/v1/customers?limit=0')).status).toBe(400);
    expect((await checked('POST /v1/users', '/v1/users', { body: { email: 'x@acme.test' } })).status).toBe(400);
    expect((await checked('POST /v1/conversations/:id/priority', '/v1/conversations/cv_nobody/priority', { body: { priority: 'high' } })).status).toBe(404);
    expect((await checked('POST /v1/canned-responses', '/v1/canned-responses', { body: { shortcut: 'docs', title: 'Docs', text: 'Hi {{nobody}}' } })).status).toBe(400);
    expect((await checked('GET /v1/kpis/conversations', '/v1/kpis/conversations?figure=nothing')).status).toBe(400);
  });
});
