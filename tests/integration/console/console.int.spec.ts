import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import axe from 'axe-core';
import Fastify from 'fastify';
import { chromium, type Browser as Chromium, type BrowserContext, type Page, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import { consoleRoutes } from '../../../src/api/console.ts';
import { AttachmentStore } from '../../../src/attachments/store.ts';
import { chromiumPath } from '../../support/browser.ts';
import { startDroppableProxy } from '../../support/droppable-proxy.ts';
import { eventually } from '../../support/collect.ts';
import { buildConsoleIfStale } from '../../support/console.ts';
import { addUserWithCli, Browser, dropAccounts } from '../accounts/support.ts';
import { actionsConfig, startActionsEngine, TENANT, type ActionsEngine } from '../actions/support.ts';

/**
 * The web console (console/) in Chromium, served by the API as production serves it (createApiServer
 * mounts console/dist at `/`), over the live fold on real Kafka and Redis. acme's routing settings
 * (actions/support.ts): Li Wei is an agent in billing only. She signs in through the page, works a
 * billing conversation from the queue to resolved, and is refused a support one.
 */
const root = resolve(import.meta.dirname, '../../..');
const base = actionsConfig();
/** The attachment store of this run: a folder of its own, removed afterwards. */
const config = { ...base, channels: { ...base.channels, attachments: { ...base.channels.attachments, dir: mkdtempSync(join(tmpdir(), 'cs-console-files-')) } } };
const PASSWORD = 'correct horse battery';
const REFUSED = "this conversation is neither assigned to you nor in one of your teams' queues";

let engine: ActionsEngine;
let browser: Chromium;
let context: BrowserContext;
let page: Page;
let liAccount: string;
/** What the page logged about its Content-Security-Policy, and uncaught errors: none expected. */
const pageProblems: string[] = [];

beforeAll(async () => {
  buildConsoleIfStale();
  engine = await startActionsEngine(config);
  const made = await addUserWithCli(config, ['--tenant', TENANT, '--email', 'ada@acme.test', '--role', 'admin', '--name', 'Ada Admin'], PASSWORD);
  expect(made, made.stderr).toMatchObject({ code: 0 });
  const admin = new Browser(engine.harness.url);
  expect((await admin.signIn(TENANT, 'ada@acme.test', PASSWORD)).status).toBe(200);
  const addLi = await admin.request('POST', '/v1/users', { email: 'li@acme.test', name: 'Li Wei', role: 'agent', agent: 'ag_li', password: PASSWORD });
  expect(addLi.status, JSON.stringify(addLi.body)).toBe(201);
  liAccount = (addLi.body.user as { id: string }).id;

  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) pageProblems.push(message.text());
  });
  page.on('pageerror', (err) => pageProblems.push(`page error: ${err.message}`));
}, 120_000);

afterAll(async () => {
  rmSync(config.channels.attachments.dir, { recursive: true, force: true });
  await browser?.close();
  await engine?.close();
  await dropAccounts(config);
});

/** A customer's chat message, triaged into `team` as the workflow would: the conversation the fold opened for it. */
async function waitingIn(team: string, text: string, triage: { category: string; priority: 'low' | 'normal' | 'high' | 'urgent' } = { category: 'general', priority: 'normal' }): Promise<{ customer: string; id: string }> {
  const { customer, conversationId } = await engine.customerWrites(undefined, text);
  const time = new Date().toISOString();
  const data = { ...triage, language: 'en', team, reasons: [] };
  await engine.harness.ctx.eventLog.append([createEvent({ type: 'conversation.triaged', source: '/tests', tenant: TENANT, customer, conversation: conversationId, time, data })]);
  await engine.conversation(conversationId, (c) => c.team === team);
  return { customer, id: conversationId };
}

/** Signs in through the page as this person (signing out whoever was signed in), landing on the inbox. */
async function signInAs(email: string): Promise<void> {
  await context.clearCookies();
  await page.goto(`${engine.harness.url}/sign-in`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Workspace').fill(TENANT);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
}

/** axe-core's serious and critical violations on the page as it is now. */
async function seriousViolations(): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const { axe: inPage } = globalThis as unknown as { axe: typeof axe };
    const result = await inPage.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.targets.join(', ')})`);
}

/**
 * The README's pictures of the console (docs/) with UPDATE_SCREENSHOTS=1; otherwise into .stack/
 * (ignored), so a test run leaves the work tree as it found it.
 */
const screenshot = (name: string) => page.screenshot({ path: join(root, process.env.UPDATE_SCREENSHOTS === '1' ? 'docs' : '.stack/screenshots', name) });

describe('the web console', () => {
  it('given Li (agent, billing), she signs in through the page, sees a new billing conversation in her queue, takes it, replies and resolves it; the log says it was her', async () => {
    await page.goto(`${engine.harness.url}/`);
    await page.waitForURL(/\/sign-in\?next=%2F$/);
    expect(await seriousViolations()).toEqual([]);
    await page.getByLabel('E-mail').fill('li@acme.test');
    await page.getByLabel('Workspace').fill(TENANT);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
    expect(await page.getByRole('banner').innerText()).toContain('Li Wei');
    const billingQueue = page.getByRole('region', { name: 'Billing queue' });
    const mine = page.getByRole('region', { name: 'Mine' });
    await billingQueue.waitFor();
    await mine.waitFor();

    // Another question already in the queue, and one already hers: the inbox as a shift finds it.
    await waitingIn('billing', 'How do I download last year’s invoices as PDF?', { category: 'billing', priority: 'normal' });
    const held = await waitingIn('billing', 'Can I change the card you charge each month?', { category: 'billing', priority: 'low' });
    expect((await engine.api('POST', `/v1/conversations/${held.id}/assign`, { agent: 'ag_li' })).status).toBe(202);
    await engine.conversation(held.id, (c) => c.assignee === 'ag_li');

    const customerText = 'Hi, I was charged twice for my March invoice. Could you refund one of the two payments?';
    const { customer, id } = await waitingIn('billing', customerText, { category: 'refund', priority: 'high' });
    const appended = Date.now();
    // No reload and no polling: the change feed (GET /v1/stream) tells the page, which reads its lists again.
    await billingQueue.getByRole('link', { name: customer }).waitFor({ timeout: 5_000 });
    const seenAfterMs = Date.now() - appended;
    await mine.getByRole('link', { name: held.customer }).waitFor({ timeout: 5_000 });
    expect(await billingQueue.getByRole('row').count()).toBe(3); // the header, and the two waiting (hers is not)
    expect(await seriousViolations()).toEqual([]);
    await screenshot('console-inbox.png');

    await billingQueue.getByRole('link', { name: customer }).click();
    await page.waitForURL(`${engine.harness.url}/conversations/${id}`);
    const transcript = page.getByRole('region', { name: 'Transcript' });
    await transcript.getByText(customerText).waitFor();

    await page.getByRole('button', { name: 'Take it' }).click();
    const details = page.getByRole('complementary', { name: 'Details' });
    await details.getByText('You (ag_li)').waitFor();
    await page.getByRole('textbox', { name: 'Reply or internal note' }).fill('Thanks, looking into it');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await transcript.getByText('Thanks, looking into it').waitFor();
    await page.getByRole('textbox', { name: 'Reply or internal note' }).fill('Two charges of €49.00 on 3 March (same card). Asked finance to refund the second one.');
    await page.getByRole('button', { name: 'Add internal note' }).click();
    await transcript.getByRole('article', { name: 'Internal note from You (ag_li)' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Reply or internal note' }).inputValue()).toBe('');
    expect(await seriousViolations()).toEqual([]);
    await screenshot('console-conversation.png');

    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('status').filter({ hasText: 'Resolved.' }).waitFor();
    await details.getByRole('term').filter({ hasText: 'Resolved' }).waitFor();
    expect(await page.getByRole('button', { name: 'Resolve' }).count()).toBe(0);

    await eventually('the three actions on the log', () => ['conversation.assigned', 'message.sent', 'conversation.resolved'].every((type) => engine.eventsOf(id).some((e) => e.type === type)));
    const byLi = { authtype: 'user', authid: liAccount };
    expect(engine.eventsOf(id, 'conversation.assigned')).toEqual([expect.objectContaining({ ...byLi, data: expect.objectContaining({ assignee: 'ag_li', by: { kind: 'agent', id: 'ag_li' } }) })]);
    const sent = engine.eventsOf(id, 'message.sent');
    expect(sent.filter((e) => e.type === 'message.sent' && !e.data.internal)).toEqual([expect.objectContaining({ ...byLi, data: expect.objectContaining({ text: 'Thanks, looking into it', author: { kind: 'agent', id: 'ag_li' }, internal: false }) })]);
    expect(sent.filter((e) => e.type === 'message.sent' && e.data.internal)).toEqual([expect.objectContaining({ ...byLi, data: expect.objectContaining({ author: { kind: 'agent', id: 'ag_li' }, internal: true }) })]);
    expect(engine.eventsOf(id, 'conversation.resolved')).toEqual([expect.objectContaining({ ...byLi, data: expect.objectContaining({ by: { kind: 'agent', id: 'ag_li' }, reason: 'agent' }) })]);
    expect(seenAfterMs).toBeLessThan(5_000);
    expect(pageProblems).toEqual([]);
  });

  it('shows an agent the refusal of another team’s conversation and nothing of it; signing out ends the session', async () => {
    const secret = 'My parcel 7741-SECRET never arrived';
    const { id } = await waitingIn('support', secret);

    await page.goto(`${engine.harness.url}/conversations/${id}`);

    await page.getByRole('heading', { level: 1, name: 'You cannot open this conversation' }).waitFor();
    expect(await page.getByRole('alert').innerText()).toBe(REFUSED);
    expect(await page.getByText('not_your_conversation').count()).toBe(1);
    expect(await page.content()).not.toContain('7741-SECRET');
    expect(await seriousViolations()).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in\?next=/);
    const cookies = await context.cookies();
    const afterSignOut = await fetch(`${engine.harness.url}/v1/session`, { headers: { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; ') } });
    expect(afterSignOut.status).toBe(401);
    expect(pageProblems).toEqual([]);
  });

  it('given another workspace’s conversation, an agent opening its URL sees “not found”, and no answer to the browser carries any of it', async () => {
    const secret = 'globex internal 5512-OTHER-TENANT';
    const event = createEvent({ type: 'message.received', source: '/tests', tenant: 'globex', customer: 'cus_globex_1', time: new Date().toISOString(), data: { channel: 'chat', provider: 'webchat', handle: 'visitor-globex-1', text: secret } });
    await engine.harness.ctx.eventLog.append([event]);
    const id = `cv_${event.id}`;
    await eventually('the globex conversation folded', async () => (await engine.reader.conversation(await engine.reader.scope('globex'), id)) !== null);
    await signInAs('li@acme.test');
    const bodies: string[] = [];
    const onResponse = (response: Response) => void response.text().then((body) => bodies.push(body), () => undefined);
    page.on('response', onResponse);

    await page.goto(`${engine.harness.url}/conversations/${id}`);

    await page.getByRole('heading', { level: 1, name: 'Conversation not found' }).waitFor();
    page.off('response', onResponse);
    expect(await page.content()).not.toContain('5512-OTHER-TENANT');
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.filter((b) => b.includes('5512-OTHER-TENANT') || b.includes('cus_globex_1'))).toEqual([]);
    expect(await seriousViolations()).toEqual([]);
  });

  it('given an agent on a conversation whose network drops, when the customer writes meanwhile, then on reconnect the page shows each missed message once, without reload', async () => {
    const { customer, id } = await waitingIn('billing', 'First question about my invoice');
    expect((await engine.api('POST', `/v1/conversations/${id}/assign`, { agent: 'ag_li' })).status).toBe(202);
    await engine.conversation(id, (c) => c.assignee === 'ag_li');
    // The browser reaches the engine through a link the spec can cut.
    const link = await startDroppableProxy(engine.harness.url);
    try {
      const viaLink = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
      const tab = await viaLink.newPage();
      await tab.goto(`${link.url}/sign-in?next=${encodeURIComponent(`/conversations/${id}`)}`);
      await tab.getByLabel('E-mail').fill('li@acme.test');
      await tab.getByLabel('Workspace').fill(TENANT);
      await tab.getByLabel('Password').fill(PASSWORD);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      const transcript = tab.getByRole('region', { name: 'Transcript' });
      await transcript.getByText('First question about my invoice').waitFor();
      await eventually('the change feed open', () => link.heads.some((h) => h.startsWith('GET /v1/stream')));
      await tab.evaluate(() => ((globalThis as Record<string, unknown>).notReloaded = true));
      const opened = link.heads.filter((h) => h.startsWith('GET /v1/stream')).length;

      // The network drops: every connection is cut, and every reconnect fails, while the customer writes twice.
      link.drop();
      const missed = ['Second: the amount is wrong', 'Third: please call me back'];
      const writes = missed.map((text) => createEvent({ type: 'message.received', source: '/tests', tenant: TENANT, customer, time: new Date().toISOString(), data: { channel: 'chat', provider: 'webchat', handle: `visitor-${customer}`, text } }));
      await engine.harness.ctx.eventLog.append(writes);
      await engine.conversation(id, (c) => c.messageCount >= 3);
      expect(await transcript.getByText(missed[0]!).count()).toBe(0);

      // The network is back: the browser reopens the feed with the last id it saw, and the page catches up.
      link.restore();
      for (const text of missed) await transcript.getByText(text).waitFor({ timeout: 20_000 });
      const reopened = link.heads.filter((h) => h.startsWith('GET /v1/stream')).slice(opened);
      expect(reopened.length).toBeGreaterThan(0);
      expect(reopened[0]).toMatch(/\r\nlast-event-id: \S+/i);
      for (const text of [...missed, 'First question about my invoice']) expect(await transcript.getByText(text, { exact: true }).count()).toBe(1);
      expect(await tab.evaluate(() => (globalThis as Record<string, unknown>).notReloaded)).toBe(true);
      await viaLink.close();
    } finally {
      await link.close();
    }
  });

  it('shows a customer’s files on their line: a picture as a preview, a PDF as a download, one still at the provider as fetching, then why it never came, live', async () => {
    await signInAs('ada@acme.test');
    const store = new AttachmentStore(config.channels.attachments.dir);
    const picture = readFileSync(join(root, 'console/public/favicon.svg'));
    const png = await page.screenshot({ clip: { x: 16, y: 8, width: 200, height: 40 } });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const [pngKey, pdfKey, svgKey] = await Promise.all([store.put(png), store.put(pdf), store.put(picture)]);
    const media = (i: number) => `https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME${i}`;
    const text = 'Photos of the parcel, the label, and a video of the rattle';
    const customer = `cus_${Date.now()}`;
    const opened = createEvent({
      type: 'message.received',
      source: '/tests',
      tenant: TENANT,
      customer,
      time: new Date().toISOString(),
      data: {
        channel: 'sms',
        provider: 'twilio',
        handle: '+14155550142',
        text,
        attachments: [
          { filename: 'parcel.png', contentType: 'image/png', size: 0, storageKey: media(0) },
          { filename: 'label.pdf', contentType: 'application/pdf', size: 0, storageKey: media(1) },
          { filename: 'drawing.svg', contentType: 'image/svg+xml', size: 0, storageKey: media(2) },
          { filename: 'rattle.mp4', contentType: 'video/mp4', size: 0, storageKey: media(3) },
        ],
      },
    });
    const outcome = (index: number, data: { storageKey: string; size: number; contentType: string } | { reason: string }) =>
      'reason' in data
        ? createEvent({ type: 'message.attachment_failed', source: '/media', tenant: TENANT, customer, time: new Date().toISOString(), data: { message: opened.id, index, ...data } })
        : createEvent({ type: 'message.attachment_stored', source: '/media', tenant: TENANT, customer, time: new Date().toISOString(), data: { message: opened.id, index, ...data } });
    await engine.harness.ctx.eventLog.append([
      opened,
      outcome(0, { storageKey: pngKey, size: png.length, contentType: 'image/png' }),
      outcome(1, { storageKey: pdfKey, size: pdf.length, contentType: 'application/pdf' }),
      outcome(2, { storageKey: svgKey, size: picture.length, contentType: 'image/svg+xml' }),
    ]);
    const id = `cv_${opened.id}`;
    await engine.conversation(id);

    await page.goto(`${engine.harness.url}/conversations/${id}`);
    const files = page.getByRole('region', { name: 'Transcript' }).getByRole('list', { name: 'Attachments' });
    const preview = files.getByRole('img', { name: 'parcel.png' });
    await preview.waitFor();
    // Loaded through the signed-in person's session from the tenant's conversation route.
    await expect.poll(() => preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(200);
    expect(await files.getByRole('link', { name: 'label.pdf' }).getAttribute('download')).toBe('label.pdf');
    // An SVG is a download, never a picture in the page: it could carry script.
    expect(await files.getByRole('img', { name: 'drawing.svg' }).count()).toBe(0);
    expect(await files.getByRole('link', { name: 'drawing.svg' }).getAttribute('download')).toBe('drawing.svg');
    const video = files.getByRole('listitem').filter({ hasText: 'rattle.mp4' });
    await video.getByText('fetching from the provider…').waitFor();
    expect(await seriousViolations()).toEqual([]);
    await screenshot('console-attachments.png');
    // The same line in the other languages a person may choose: the new words are in every catalog.
    for (const [language, fetching] of [
      ['ru', 'загружается у провайдера…'],
      ['zh', '正在从服务商获取…'],
    ] as const) {
      expect((await page.request.patch(`${engine.harness.url}/v1/session/preferences`, { data: { language }, headers: { origin: engine.harness.url } })).status()).toBe(200);
      await page.reload();
      await page.getByText(fetching).waitFor();
      expect(await seriousViolations()).toEqual([]);
      await screenshot(`console-attachments-${language}.png`);
    }
    expect((await page.request.patch(`${engine.harness.url}/v1/session/preferences`, { data: { language: 'en' }, headers: { origin: engine.harness.url } })).status()).toBe(200);
    await page.reload();
    await video.getByText('fetching from the provider…').waitFor();

    const download = await page.request.get(`${engine.harness.url}/v1/conversations/${id}/attachments/${pdfKey}`);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-disposition']).toBe(`attachment; filename="label.pdf"; filename*=UTF-8''label.pdf`);
    expect(Buffer.from(await download.body()).equals(pdf)).toBe(true);

    await engine.harness.ctx.eventLog.append([outcome(3, { reason: 'the file is more than 10485760 bytes; the limit is 10485760 (channels.attachments.maxBytes)' })]);
    await video.getByText(/not available: the file is more than 10485760 bytes/).waitFor({ timeout: 5_000 });
    expect(pageProblems).toEqual([]);
  });

  it('GET /v1/session names a person’s teams (their agent’s, from the routing settings), the queues the inbox lists', async () => {
    const li = new Browser(engine.harness.url);
    const ada = new Browser(engine.harness.url);
    await li.signIn(TENANT, 'li@acme.test', PASSWORD);
    await ada.signIn(TENANT, 'ada@acme.test', PASSWORD);

    expect((await li.request('GET', '/v1/session')).body).toMatchObject({ principal: { kind: 'person', agent: 'ag_li' }, account: { name: 'Li Wei' }, teams: ['billing'] });
    expect((await ada.request('GET', '/v1/session')).body).toMatchObject({ principal: { kind: 'person', agent: null }, teams: [] });
  });

  it('is served as built: its pages under the API’s CSP with no inline script, its bundles cached for good, any other path the API’s as before', async () => {
    const get = (path: string, accept = 'text/html,application/xhtml+xml') => fetch(`${engine.harness.url}${path}`, { headers: { accept } });
    const home = await get('/');
    const html = await home.text();
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(home.headers.get('cache-control')).toBe('no-cache');
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[\w-]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const bundle = /src="(\/assets\/[\w-]+\.js)"/.exec(html)![1]!;
    const asset = await get(bundle, '*/*');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect((await get('/favicon.svg', 'image/*')).headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    for (const path of ['/sign-in', '/conversations/cv_anything']) expect(await (await get(path, '*/*')).text()).toBe(html);

    // Sent as written (inject: no URL normalising on the way), so the dot segments reach the server.
    for (const url of ['/nope', '/v1/nope', '/webhooks/nope', '/healthz/nope', '/assets/missing.js', '/%2e%2e/package.json', '/assets/..%2f..%2f..%2fpackage.json', '/assets/.%2e/.%2e/.%2e/package.json', '/assets/']) {
      const answer = await engine.harness.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect({ url, status: answer.statusCode, type: answer.headers['content-type'] }).toEqual({ url, status: 404, type: expect.stringMatching(/^application\/json/) });
      expect(answer.json()).toMatchObject({ error: 'not_found' });
    }
    // The router's own refusals under the API are untouched by the console's routes.
    expect((await engine.harness.app.inject({ method: 'GET', url: `/v1/conversations/${'c'.repeat(300)}`, headers: { accept: 'text/html' } })).json()).toMatchObject({ error: 'uri_too_long' });

    const empty = mkdtempSync(join(tmpdir(), 'console-'));
    const bare = Fastify();
    consoleRoutes(bare, { dir: empty });
    try {
      const answer = await bare.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
      expect({ status: answer.statusCode, body: answer.json() }).toEqual({ status: 503, body: { error: 'console_not_built', message: 'run npm run build:console' } });
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

