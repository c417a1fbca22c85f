import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentQueues } from '../../../src/api/queue-dashboard.ts';
import type { Config } from '../../../src/config/schema.ts';
import { queuePrefix } from '../../../src/queues/names.ts';
import { chromiumPath } from '../../support/browser.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { screenshot } from '../../support/console.ts';
import { obliterateQueues } from '../../support/teardown.ts';
import { addUserWithCli, Browser, dropAccounts } from '../accounts/support.ts';
import { actionsConfig, TENANT } from '../actions/support.ts';
import { tearDown } from '../outbound/support.ts';

/**
 * The job-queue dashboard (bull-board at /admin/queues): every queue of the deployment, to the
 * admins of an operator tenant only. acme is the operator here; globex a tenant like any other,
 * whose admin must not see acme's jobs (nor anyone's).
 */
const PASSWORD = 'correct horse battery';
const OTHER = 'globex';
const base = actionsConfig();
const config: Config = { ...base, http: { ...base.http, queueDashboard: { operatorTenants: [TENANT] } } };

let harness: ChannelHarness;
const people = {} as Record<'admin' | 'supervisor' | 'agent' | 'otherAdmin', Browser>;
const keys = {} as Record<'admin' | 'read', string>;

async function person(tenant: string, email: string, role: string): Promise<Browser> {
  const made = await addUserWithCli(config, ['--tenant', tenant, '--email', email, '--role', role, '--name', email.split('@')[0]!], PASSWORD);
  expect(made, made.stderr).toMatchObject({ code: 0 });
  const browser = new Browser(harness.url);
  expect((await browser.signIn(tenant, email, PASSWORD)).status).toBe(200);
  return browser;
}

beforeAll(async () => {
  harness = await startChannelHarness(config, []);
  [people.admin, people.supervisor, people.agent, people.otherAdmin] = await Promise.all([
    person(TENANT, 'ada@acme.test', 'admin'),
    person(TENANT, 'anna@acme.test', 'supervisor'),
    person(TENANT, 'li@acme.test', 'agent'),
    person(OTHER, 'greta@globex.test', 'admin'),
  ]);
  for (const scope of ['admin', 'read'] as const) {
    const created = await people.admin.request('POST', '/v1/api-keys', { name: `dashboard ${scope}`, scopes: [scope] });
    expect(created.status).toBe(201);
    keys[scope] = created.body.token as string;
  }
}, 120_000);

afterAll(async () => {
  if (harness) await obliterateQueues(harness.ctx.redis, deploymentQueues(config));
  await harness?.close();
  await tearDown(config, [`harness-${config.instance}`], { topics: false });
  await dropAccounts(config);
});

const withKey = (token: string | null, path: string, method = 'GET') =>
  fetch(`${harness.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => null)) as { error?: string; queues?: Array<{ name: string }> } | null }));

describe('the queue dashboard', () => {
  it('shows an operator tenant’s admin the page and every queue of the deployment, jobs read under the roles’ prefixes', async () => {
    // A job as the webhooks role queues it (src/roles/webhooks.ts: the name and its prefix), waiting a minute.
    const connection = new Redis(config.redis.url);
    const webhooks = new Queue(config.webhooks.queue, { connection, prefix: queuePrefix(config.webhooks.queue) });
    await webhooks.add('deliver', { probe: true }, { delay: 60_000, jobId: 'dashboard-probe' });
    await webhooks.close();
    connection.disconnect();

    const page = await people.admin.request('GET', '/admin/queues');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const api = await people.admin.request('GET', '/admin/queues/api/queues');
    expect(api.status, JSON.stringify(api.body).slice(0, 300)).toBe(200);
    const names = (api.body.queues as Array<{ name: string }>).map((q) => q.name).sort();
    expect(names).toEqual([...deploymentQueues(config)].sort());
    expect(names).toEqual([config.fold.queue, config.fold.workflowQueue, config.outbound.queue, `${config.outbound.queue}.media`, config.webhooks.queue].sort());
    const listed = (api.body.queues as Array<{ name: string; counts: Record<string, number> }>).find((q) => q.name === config.webhooks.queue);
    expect(listed?.counts.delayed).toBe(1);
  });

  it('answers a key with the admin scope of an operator tenant, and no key with less', async () => {
    expect((await withKey(keys.admin, '/admin/queues/api/queues')).status).toBe(200);
    const read = await withKey(keys.read, '/admin/queues/api/queues');
    expect(read).toMatchObject({ status: 403, body: { error: 'missing_permission' } });
  });

  it('refuses anyone else: anonymous 401, an agent and a supervisor 403, another tenant’s admin 403 not_an_operator', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/static/images/logo.svg']) {
      expect((await withKey(null, path)).status, path).toBe(401);
      for (const who of ['agent', 'supervisor'] as const) {
        const answer = await people[who].request('GET', path);
        expect([answer.status, answer.body?.error], `${who} ${path}`).toEqual([403, 'missing_permission']);
      }
      const other = await people.otherAdmin.request('GET', path);
      expect([other.status, other.body?.error], `globex admin ${path}`).toEqual([403, 'not_an_operator']);
    }
  });

  it('takes a change made with the cookie only from the site’s own pages', async () => {
    const queue = config.outbound.queue;
    const foreign = new Browser(harness.url, 'https://evil.example');
    foreign.cookie = people.admin.cookie;
    const refused = await foreign.request('PUT', `/admin/queues/api/queues/${queue}/pause`);
    expect([refused.status, refused.body?.error]).toEqual([403, 'origin_mismatch']);
    expect((await people.admin.request('PUT', `/admin/queues/api/queues/${queue}/pause`)).status).toBe(200);
    expect((await people.admin.request('PUT', `/admin/queues/api/queues/${queue}/resume`)).status).toBe(200);
  });

  it('renders in a browser with nothing refused by the CSP', async () => {
    const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addCookies([{ name: 'cs_session', value: people.admin.cookie.split('=').slice(1).join('='), url: harness.url }]);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (message) => {
        if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
      });
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      await page.goto(`${harness.url}/admin/queues`);
      await page.getByText(config.outbound.queue, { exact: true }).first().waitFor({ timeout: 20_000 });
      // The overview reads each queue's counts (Redis) after the page: its loading line goes.
      await page.getByText('Loading...').first().waitFor({ state: 'hidden', timeout: 20_000 });
      await screenshot(page, 'queues.png');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
