import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import nodemailer from 'nodemailer';
import { chromium, type Browser as Chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en, type Catalog } from '../../console/src/locales/en.ts';
import { ru } from '../../console/src/locales/ru.ts';
import { zh } from '../../console/src/locales/zh.ts';
import type { Config } from '../../src/config/schema.ts';
import { createKafka } from '../../src/log/kafka.ts';
import type { CustomerView } from '../../src/projections/views.ts';
import type { ReportJson } from '../../src/replay/render/json.ts';
import type { TenantFileInput } from '../../src/tenants/settings.ts';
import { addUserWithCli, Browser } from '../integration/accounts/support.ts';
import { startProviderApis, startSmtpSink, type RecordedCall } from '../integration/outbound/support.ts';
import { chromiumPath } from '../support/browser.ts';
import { eventually } from '../support/collect.ts';
import { buildConsoleIfStale, screenshot, seriousViolations } from '../support/console.ts';
import { testConfig } from '../support/engine.ts';
import { freePort } from '../support/free-port.ts';
import { testLogger } from '../support/kafka.ts';
import { apiClient, postAsMeta, postAsTwilio, twilioInboundSms, twilioStatusCallback, whatsappTextWebhook } from './support/doors.ts';
import { startEngineProcess, type EngineProcess } from './support/engine-process.ts';
import { tearDownEngine } from './support/teardown.ts';

/**
 * The web console end to end: a real engine process (every role), Chromium driving the console it
 * serves, customers writing through the providers' signed webhooks and SMTP, the providers' APIs
 * stood in by local servers that record what the engine sent them, and the `cs` command reading
 * the log. The `it` blocks are one working day in order: each builds on what the previous left.
 */
const root = resolve(import.meta.dirname, '../..');
const PASSWORD = 'correct horse battery';
const SUPPORT = 'support@outfitters.test';
const OUR_NUMBER = '+15005550006';
/** Sam texts; Jane e-mails and then writes on WhatsApp from a number nothing links to her address. */
const SAM_PHONE = '+14155550142';
const JANE_EMAIL = 'jane@example.com';
const JANE_WA_ID = '14155550177';
const JANE_PHONE = `+${JANE_WA_ID}`;
const CSAT_PROMPT = 'How satisfied are you with our help? Reply with a number from 1 (not at all) to 5 (very).';

const id = nanoid(8).replace(/[^A-Za-z0-9]/g, 'x');
const tenant = `e2e-${id}`;
const people = {
  admin: { email: `ada@${tenant}.test`, name: 'Ada Admin' },
  agent: { email: `tess@${tenant}.test`, name: 'Tess Agent', agent: 'ag_tess' },
  supervisor: { email: `sofia@${tenant}.test`, name: 'Sofia Supervisor' },
};

/**
 * The workspace: one team, Tess in it (offline, so what comes in waits in the queue), no bot; every
 * message is a general question for support; a CSAT survey by SMS at once after an agent resolves.
 */
const settings: TenantFileInput = {
  name: 'Outfitters',
  triage: {
    categories: [{ name: 'general', team: 'support' }],
    fallbackCategory: 'general',
    legalThreat: { priority: 'urgent', keywords: { en: ['lawyer*'] } },
    cancellation: { priority: 'high', keywords: { en: ['cancel*'] } },
    repeatedContact: null,
  },
  routing: {
    teams: [{ name: 'support' }],
    agents: [{ id: 'ag_tess', name: people.agent.name, teams: ['support'], languages: ['en'], capacity: { email: 5, sms: 3, social: 3 } }],
  },
  survey: { csat: { enabled: true, delayByChannel: { sms: '0s' } }, nps: { enabled: false }, channels: ['email', 'sms', 'social'] },
  bot: { enabled: false },
};

const CANNED = { shortcut: 'shipped', title: 'Replacement shipped', text: 'Hi, {{agent.name}} here. Your case {{conversation.id}} is sorted: the replacement ships today.' };

const accountSid = `AC${randomBytes(16).toString('hex')}`;
const authToken = randomBytes(16).toString('hex');
const appSecret = randomBytes(16).toString('hex');
const phoneNumberId = `1065${randomBytes(5).readUIntBE(0, 5)}`;
const apiKey = `e2e-key-${nanoid(24)}`;

let apis: Awaited<ReturnType<typeof startProviderApis>>;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let config: Config;
let engine: EngineProcess | undefined;
let publicUrl: string;
let smtpPort: number;
let attachments: string;
let api: ReturnType<typeof apiClient>;
let browser: Chromium;
let agentContext: BrowserContext;
let supervisorContext: BrowserContext;
/** Tess's tab; Sofia's board, open all day; Sofia's tab for everything else. */
let agentPage: Page;
let boardPage: Page;
let supervisorPage: Page;
/** What the pages logged about their Content-Security-Policy, and uncaught errors: none expected. */
const pageProblems: string[] = [];
/** The SID the Twilio stand-in answered for each message it took. */
const twilioSids = new Map<RecordedCall, string>();
/** Said by one spec, used by the next. */
const day: { samConversation?: string; janeEmailCustomer?: string; janeWaCustomer?: string } = {};

beforeAll(async () => {
  buildConsoleIfStale();
  apis = await startProviderApis();
  apis.script((call) => {
    if (!call.path.includes('/Messages.json')) return undefined;
    const form = new URLSearchParams(call.body);
    const sid = `SM${randomBytes(16).toString('hex')}`;
    twilioSids.set(call, sid);
    return { status: 201, json: { sid, status: 'queued', to: form.get('To'), from: form.get('From'), body: form.get('Body') } };
  });
  sink = await startSmtpSink();

  const httpPort = await freePort();
  smtpPort = await freePort();
  while (smtpPort === httpPort) smtpPort = await freePort();
  attachments = mkdtempSync(join(tmpdir(), 'cs-e2e-attachments-'));
  publicUrl = `http://127.0.0.1:${httpPort}`;
  const base = testConfig();
  config = {
    ...base,
    http: { ...base.http, host: '127.0.0.1', port: httpPort, apiKeys: { [apiKey]: tenant } },
    tenants: { ...base.tenants, settings: { [tenant]: settings } },
    channels: {
      ...base.channels,
      publicUrl,
      attachments: { ...base.channels.attachments, dir: attachments },
      twilio: { apiBaseUrl: apis.url, accounts: { [accountSid]: { tenant, authToken, from: OUR_NUMBER } } },
      meta: { ...base.channels.meta, graphBaseUrl: `${apis.url}/v19.0`, appSecret, routes: { [phoneNumberId]: { tenant, accessToken: `EAAG${randomBytes(12).toString('hex')}` } } },
      email: {
        ...base.channels.email,
        smtp: { ...base.channels.email.smtp, host: '127.0.0.1', port: smtpPort },
        addresses: { [SUPPORT]: tenant },
        outbound: { host: '127.0.0.1', port: sink.port, secure: false, from: `Outfitters <${SUPPORT}>` },
      },
    },
  };
  engine = await startEngineProcess('all', config);
  api = apiClient(engine.url, apiKey);

  // People: the first admin by the CLI, as an operator sets a workspace up; the rest by that admin.
  const made = await addUserWithCli(config, ['--tenant', tenant, '--email', people.admin.email, '--role', 'admin', '--name', people.admin.name], PASSWORD);
  expect(made, made.stderr).toMatchObject({ code: 0 });
  const admin = new Browser(engine.url);
  expect((await admin.signIn(tenant, people.admin.email, PASSWORD)).status).toBe(200);
  const tess = await admin.request('POST', '/v1/users', { ...people.agent, role: 'agent', password: PASSWORD });
  expect(tess.status, JSON.stringify(tess.body)).toBe(201);
  const sofia = await admin.request('POST', '/v1/users', { ...people.supervisor, role: 'supervisor', password: PASSWORD });
  expect(sofia.status, JSON.stringify(sofia.body)).toBe(201);
  const canned = await admin.request('POST', '/v1/canned-responses', CANNED);
  expect(canned.status, JSON.stringify(canned.body)).toBe(201);

  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  const contextOptions = { viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' };
  agentContext = await browser.newContext(contextOptions);
  supervisorContext = await browser.newContext(contextOptions);
  agentPage = await agentContext.newPage();
  boardPage = await supervisorContext.newPage();
  supervisorPage = await supervisorContext.newPage();
  for (const page of [agentPage, boardPage, supervisorPage]) {
    page.on('console', (message) => {
      if (/Content.Security.Policy|Refused to/i.test(message.text())) pageProblems.push(message.text());
    });
    page.on('pageerror', (err) => pageProblems.push(`page error: ${err.message}`));
  }
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await engine?.dispose();
  if (config) {
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    try {
      await tearDownEngine(config, redis, createKafka(config.kafka, testLogger));
    } finally {
      redis.disconnect();
    }
  }
  await apis?.close();
  await sink?.close();
  if (attachments) rmSync(attachments, { recursive: true, force: true });
}, 60_000);

/** Signs in through the sign-in page and waits for the inbox. */
async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${engine!.url}/`);
  await page.waitForURL(/\/sign-in\?next=%2F$/);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Workspace').fill(tenant);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
}

/** Marks the document; `stillSameDocument` is true until the page is reloaded or navigated away. */
const markDocument = (page: Page) => page.evaluate(() => void ((globalThis as { sameDocument?: boolean }).sameDocument = true));
const stillSameDocument = (page: Page) => page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument === true);

/** The customer an identity leads to, over the API, once `ready` holds. */
async function customerOf(handle: string, ready: (v: CustomerView) => boolean = () => true): Promise<CustomerView> {
  let view: CustomerView | undefined;
  await eventually(`the customer of ${handle}`, async () => {
    const answer = await api.get<CustomerView>(`/v1/customers?handle=${encodeURIComponent(handle)}`);
    view = answer.status === 200 ? answer.body! : undefined;
    return view !== undefined && ready(view);
  }, 20_000);
  return view!;
}

const twilioMessages = () => apis.calls.filter((c) => c.path === `/2010-04-01/Accounts/${accountSid}/Messages.json`);
const formOf = (call: RecordedCall) => Object.fromEntries(new URLSearchParams(call.body));

/** `{{name}}` filled in, as i18next does it with the console's catalogs. */
const fill = (template: string, values: Record<string, string | number>) => template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(values[name]));

/** The KPI card figures as the board renders them in English: Intl percentages, durations from the catalog. */
const percent = (ratio: number | null, locale = 'en') => (ratio === null ? '—' : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(ratio));
function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  if (s < 60) return fill(en.duration.s, { s });
  const m = Math.round(s / 60);
  if (m < 60) return fill(en.duration.m, { m });
  return fill(en.duration.hm, { h: Math.floor(m / 60), m: m % 60 });
}

const cs = promisify(execFile);
/** The `cs` command as an analyst runs it, against the engine's own config folder. */
const runCs = (...args: string[]) =>
  cs(process.execPath, [join(root, 'bin/cs.js'), ...args], { cwd: root, env: { ...process.env, CS_CONFIG_DIR: engine!.configDir, CS_FROM_SOURCES: '1', LOG_LEVEL: 'silent' }, maxBuffer: 64 * 1024 * 1024 });

describe('the console, end to end: a real engine, real Chromium, customers at the providers’ doors', () => {
  it('given Tess (agent, support) signed in and Sofia’s board open, Sam’s SMS shows up live; Tess takes it, answers with a canned response, sees it delivered, resolves, and Sam’s CSAT answer shows', async () => {
    await signIn(agentPage, people.agent.email);
    const supportQueue = agentPage.getByRole('region', { name: 'Support queue' });
    await supportQueue.waitFor();
    await agentPage.getByRole('region', { name: 'Mine' }).waitFor();
    expect(await agentPage.getByRole('banner').innerText()).toContain(people.agent.name);

    await signIn(boardPage, people.supervisor.email);
    await boardPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Board' }).click();
    const queues = boardPage.getByRole('region', { name: 'Queues' });
    await queues.getByRole('button', { name: 'Waiting in Support: 0' }).waitFor();
    expect(await seriousViolations(boardPage)).toEqual([]);
    await markDocument(agentPage);
    await markDocument(boardPage);

    // Sam texts; Twilio posts it to the webhook, signed.
    const smsText = 'Hi, my parcel for order 7781 never arrived. Can you help?';
    const inbound = await postAsTwilio(engine!.url, publicUrl, authToken, '/webhooks/twilio/sms', twilioInboundSms({ accountSid, messageSid: `SM${randomBytes(16).toString('hex')}`, from: SAM_PHONE, to: OUR_NUMBER, body: smsText }));
    expect(inbound).toMatchObject({ status: 200, text: '<Response/>' });
    const sam = (await customerOf(SAM_PHONE)).customer.id;

    // Triaged into support and waiting there: on Tess's inbox and Sofia's board, neither reloaded.
    await supportQueue.getByRole('link', { name: sam }).waitFor({ timeout: 15_000 });
    await queues.getByRole('button', { name: 'Waiting in Support: 1' }).waitFor({ timeout: 10_000 });
    expect(await stillSameDocument(agentPage)).toBe(true);
    expect(await stillSameDocument(boardPage)).toBe(true);
    expect(await seriousViolations(agentPage)).toEqual([]);
    await screenshot(agentPage, 'console-journey-inbox.png');

    await supportQueue.getByRole('link', { name: sam }).click();
    await agentPage.waitForURL(/\/conversations\/cv_[^/]+$/);
    const conversation = decodeURIComponent(new URL(agentPage.url()).pathname.split('/').pop()!);
    day.samConversation = conversation;
    const transcript = agentPage.getByRole('region', { name: 'Transcript' });
    await transcript.getByText(smsText).waitFor();
    const replyTo = agentPage.getByLabel('Reply to');
    await replyTo.locator('option', { hasText: SAM_PHONE }).waitFor({ state: 'attached' });
    expect(await replyTo.locator('option').allInnerTexts()).toEqual([`SMS · ${SAM_PHONE} (last written from)`]);

    await agentPage.getByRole('button', { name: 'Take it' }).click();
    await agentPage.getByRole('complementary', { name: 'Details' }).getByText('You (ag_tess)').waitFor();
    // Taken, it leaves the queue on the board.
    await queues.getByRole('button', { name: 'Waiting in Support: 0' }).waitFor({ timeout: 10_000 });
    await markDocument(agentPage);

    // `/shipped` then Tab: the canned response, its placeholders filled in.
    const composer = agentPage.getByLabel('Reply or internal note');
    await composer.click();
    await composer.pressSequentially(`/${CANNED.shortcut}`);
    await agentPage.getByRole('listbox', { name: 'Canned responses' }).getByRole('option', { name: new RegExp(CANNED.title) }).waitFor();
    await composer.press('Tab');
    const replyText = `Hi, ${people.agent.name} here. Your case ${conversation} is sorted: the replacement ships today.`;
    expect(await composer.inputValue()).toBe(replyText);
    await agentPage.getByRole('button', { name: 'Send reply' }).click();

    // Twilio got exactly that text, for Sam, once; the transcript says Sent, then Delivered once Twilio reports it.
    await eventually('the reply at the Twilio stand-in', () => twilioMessages().length >= 1, 20_000);
    const [replyCall] = twilioMessages();
    expect(formOf(replyCall!)).toEqual({ To: SAM_PHONE, From: OUR_NUMBER, Body: replyText, StatusCallback: `${publicUrl}/webhooks/twilio/status` });
    const reply = transcript.getByRole('article', { name: 'Message from You (ag_tess)' }).filter({ hasText: replyText });
    await reply.locator('[data-delivery="sent"]').filter({ hasText: 'Sent' }).waitFor({ timeout: 15_000 });
    const delivered = await postAsTwilio(engine!.url, publicUrl, authToken, '/webhooks/twilio/status', twilioStatusCallback({ accountSid, messageSid: twilioSids.get(replyCall!)!, status: 'delivered', from: OUR_NUMBER, to: SAM_PHONE }));
    expect(delivered.status).toBe(200);
    await reply.locator('[data-delivery="delivered"]').filter({ hasText: 'Delivered' }).waitFor({ timeout: 15_000 });
    expect(await stillSameDocument(agentPage)).toBe(true);

    // Resolved: the CSAT survey goes to Sam by SMS; he answers 5, and the customer panel shows it.
    await agentPage.getByRole('button', { name: 'Resolve' }).click();
    await agentPage.getByRole('status').filter({ hasText: 'Resolved.' }).waitFor();
    await eventually('the CSAT survey at the Twilio stand-in', () => twilioMessages().length >= 2, 20_000);
    expect(twilioMessages().map((c) => [formOf(c).To, formOf(c).Body])).toEqual([
      [SAM_PHONE, replyText],
      [SAM_PHONE, CSAT_PROMPT],
    ]);
    const answer = await postAsTwilio(engine!.url, publicUrl, authToken, '/webhooks/twilio/sms', twilioInboundSms({ accountSid, messageSid: `SM${randomBytes(16).toString('hex')}`, from: SAM_PHONE, to: OUR_NUMBER, body: '5' }));
    expect(answer.status).toBe(200);
    const customerPanel = agentPage.getByRole('complementary', { name: 'Customer' });
    await customerPanel.getByRole('listitem').filter({ hasText: 'CSAT 5 of 5' }).waitFor({ timeout: 15_000 });
    expect(await stillSameDocument(agentPage)).toBe(true);
    expect(await customerPanel.getByRole('listitem').filter({ hasText: 'CSAT' }).count()).toBe(1);
    expect(await seriousViolations(agentPage)).toEqual([]);
    await screenshot(agentPage, 'console-conversation-delivered.png');
    expect(pageProblems).toEqual([]);
  }, 120_000);

  it('given Jane wrote by e-mail and then by WhatsApp (two customers), Sofia merges them from the customer panel: one customer with both identities and both messages on one timeline', async () => {
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: false });
    try {
      await eventually('the SMTP listener answering', () => mailer.verify().then(() => true, () => false), 15_000);
      const mailText = 'Hello, you sent me the jacket in size M instead of L. Can I swap it?';
      const mail = await mailer.sendMail({ from: `Jane Doe <${JANE_EMAIL}>`, to: SUPPORT, subject: 'Wrong size delivered', text: mailText });
      expect(mail.accepted).toEqual([SUPPORT]);
      // WhatsApp stamps a message in whole seconds: hers is written in a second after the mail came in, so it is later by event time too.
      const mailIn = Date.parse((await customerOf(JANE_EMAIL, (v) => v.timeline.length === 1)).timeline[0]!.at);
      await eventually('WhatsApp’s clock past the mail', () => Math.floor(Date.now() / 1000) * 1000 > mailIn, 2_000);
      const waText = 'Hi, Jane here, I wrote you an e-mail about swapping the jacket';
      const wa = await postAsMeta(
        engine!.url,
        appSecret,
        whatsappTextWebhook({ wabaId: '102290129340398', phoneNumberId, displayPhoneNumber: '15550783881', waId: JANE_WA_ID, name: 'Jane Doe', messageId: `wamid.HBgL${randomBytes(12).toString('hex').toUpperCase()}`, text: waText, timestamp: Math.floor(Date.now() / 1000) }),
      );
      expect(wa).toMatchObject({ status: 200, text: 'EVENT_RECEIVED' });

      const byMail = await customerOf(JANE_EMAIL, (v) => v.conversations.length === 1);
      const byPhone = await customerOf(JANE_PHONE, (v) => v.conversations.length === 1);
      const janeMail = byMail.customer.id;
      const janePhone = byPhone.customer.id;
      expect(janeMail).not.toBe(janePhone);
      day.janeEmailCustomer = janeMail;
      day.janeWaCustomer = janePhone;
      const mailConversation = byMail.conversations[0]!.id;
      const waConversation = byPhone.conversations[0]!.id;

      await supervisorPage.goto(`${engine!.url}/conversations/${encodeURIComponent(mailConversation)}`);
      await supervisorPage.getByRole('region', { name: 'Transcript' }).getByText(mailText).waitFor();
      const customerPanel = supervisorPage.getByRole('complementary', { name: 'Customer' });
      await customerPanel.getByText(`E-mail · ${JANE_EMAIL}`).waitFor();
      expect(await customerPanel.getByText(`WhatsApp · ${JANE_PHONE}`).count()).toBe(0);
      expect(await seriousViolations(supervisorPage)).toEqual([]);
      await markDocument(supervisorPage);

      await customerPanel.getByLabel('Merge another customer into this one').fill(janePhone);
      await customerPanel.getByRole('button', { name: 'Merge' }).click();
      await customerPanel.getByRole('status').filter({ hasText: `${janePhone} was merged into this customer.` }).waitFor();

      // One person: both identities (and both to reply to), her WhatsApp conversation among hers.
      await customerPanel.getByText(`WhatsApp · ${JANE_PHONE}`).waitFor({ timeout: 15_000 });
      expect(await customerPanel.getByRole('list').first().getByRole('listitem').allInnerTexts()).toEqual([expect.stringContaining(`E-mail · ${JANE_EMAIL}`), expect.stringContaining(`WhatsApp · ${JANE_PHONE}`)]);
      await customerPanel.getByRole('link', { name: 'General question' }).waitFor();
      expect(await customerPanel.getByRole('link', { name: 'General question' }).getAttribute('href')).toBe(`/conversations/${encodeURIComponent(waConversation)}`);
      const replyTo = supervisorPage.getByLabel('Reply to');
      await replyTo.locator('option', { hasText: JANE_PHONE }).waitFor({ state: 'attached' });
      expect((await replyTo.locator('option').allInnerTexts()).sort()).toEqual([`E-mail · ${JANE_EMAIL} (last written from)`, `WhatsApp · ${JANE_PHONE}`].sort());
      expect(await stillSameDocument(supervisorPage)).toBe(true);
      expect(await seriousViolations(supervisorPage)).toEqual([]);

      // The API tells the same: one customer, both channels' messages on one timeline, in the order she wrote.
      let person: CustomerView | undefined;
      await eventually('the merged timeline', async () => {
        const answer = await api.get<CustomerView>(`/v1/customers/${janeMail}`);
        person = answer.status === 200 ? answer.body! : undefined;
        return person !== undefined && person.timeline.length === 2;
      }, 15_000);
      expect(person!.customer.mergedFrom).toEqual([janePhone]);
      expect(person!.customer.identities.map((i) => [i.channel, i.provider, i.handle])).toEqual([
        ['email', 'smtp', JANE_EMAIL],
        ['social', 'whatsapp', JANE_PHONE],
      ]);
      expect(person!.timeline.map((e) => [e.direction, e.channel, e.provider, e.text, e.conversationId])).toEqual([
        ['in', 'email', 'smtp', mailText, mailConversation],
        ['in', 'social', 'whatsapp', waText, waConversation],
      ]);
      expect(pageProblems).toEqual([]);
    } finally {
      mailer.close();
    }
  }, 90_000);

  it('given the day so far, Sofia’s board shows the waiting queue and KPI figures equal to `cs replay` of the exported log', async () => {
    const queues = boardPage.getByRole('region', { name: 'Queues' });
    // Jane's two conversations wait in support (Sam's is resolved); the board never reloaded.
    await queues.getByRole('button', { name: 'Waiting in Support: 2' }).waitFor({ timeout: 15_000 });
    expect(await stillSameDocument(boardPage)).toBe(true);

    // The live report, once it has the whole day: three conversations, Sam's answered survey.
    const today = new Date().toISOString().slice(0, 10);
    type Group = ReportJson['groups'][number];
    const todayOf = (report: ReportJson): Group | undefined => report.groups.find((g) => g.key.day === today);
    let live: ReportJson | undefined;
    await eventually('the live KPIs of the day', async () => {
      const answer = await api.get<ReportJson>('/v1/kpis?groupBy=day');
      live = answer.status === 200 ? answer.body! : undefined;
      const group = live && todayOf(live);
      return group !== undefined && group.conversations === 3 && group.csat.answered === 1 && group.firstResponseSeconds.count === 1;
    }, 20_000);

    // The analyst's way: export the topic, replay the file for the tenant. Equal but for meta.
    const dir = mkdtempSync(join(tmpdir(), 'cs-console-e2e-'));
    try {
      const file = join(dir, 'events.ndjson');
      const exported = await runCs('export', '--out', file);
      expect(exported.stderr).toMatch(/\d+ events written/);
      const replayed = JSON.parse((await runCs('replay', '--file', file, '--format', 'json', '--tenant', tenant, '--group-by', 'day')).stdout) as ReportJson;
      live = (await api.get<ReportJson>('/v1/kpis?groupBy=day')).body!;
      expect({ total: live.total, groups: live.groups }).toEqual({ total: replayed.total, groups: replayed.groups });

      const figures = todayOf(replayed)!;
      expect(figures).toMatchObject({ conversations: 3, resolved: 1, open: 2, csat: { sent: 1, answered: 1, score: 1 }, sla: { firstResponse: { met: 1, breached: 0, compliance: 1 } } });
      expect(figures.firstResponseSeconds.median).toBeGreaterThan(0);

      // The cards: each the replay's figure, formatted as the board formats it.
      const kpis = boardPage.getByRole('region', { name: 'KPIs: Today' });
      const card = (title: string, value: string) => kpis.getByRole('button', { name: fill(en.kpi.open, { title, value }) });
      await card(en.kpi.csat, percent(figures.csat.score)).waitFor({ timeout: 15_000 });
      await card(en.kpi.conversations, String(figures.conversations)).waitFor();
      await card(en.kpi.firstResponse, duration(figures.firstResponseSeconds.median)).waitFor();
      await card(en.kpi.sla, percent(figures.sla.firstResponse.compliance)).waitFor();
      expect(await kpis.locator('[data-kpi="csat"]').innerText()).toContain(fill(en.kpi.answers, { answered: 1, sent: 1 }));
      expect(await kpis.locator('[data-kpi="conversations"]').innerText()).toContain(fill(en.kpi.resolvedOpen, { resolved: 1, open: 2 }));
      expect(await stillSameDocument(boardPage)).toBe(true);
      expect(await seriousViolations(boardPage)).toEqual([]);
      await screenshot(boardPage, 'console-board.png');
      expect(pageProblems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('given Sofia switches her language to Russian, then Chinese, the conversation and the board follow it: her catalog’s words, her locale’s numbers', async () => {
    const catalogs = { ru: ru as unknown as Catalog, zh: zh as unknown as Catalog };
    const zones = { ru: 'Europe/Moscow', zh: 'Asia/Shanghai' };
    let current: Catalog = en;
    for (const language of ['ru', 'zh'] as const) {
      const words = catalogs[language];
      await supervisorPage.goto(`${engine!.url}/profile`);
      await supervisorPage.getByLabel(current.profile.language, { exact: true }).selectOption(language);
      await supervisorPage.getByLabel(current.profile.timeZone, { exact: true }).selectOption(zones[language]);
      await supervisorPage.getByRole('button', { name: current.common.save }).click();
      await supervisorPage.getByRole('status').filter({ hasText: words.profile.saved }).waitFor();
      await supervisorPage.getByRole('heading', { level: 1, name: words.profile.title }).waitFor();
      expect(await supervisorPage.locator('html').getAttribute('lang')).toBe(language === 'zh' ? 'zh-CN' : language);
      current = words;

      await supervisorPage.goto(`${engine!.url}/conversations/${encodeURIComponent(day.samConversation!)}`);
      await supervisorPage.getByRole('region', { name: words.conversation.transcript }).locator('[data-delivery="delivered"]').filter({ hasText: words.delivery.delivered }).waitFor();
      const customerPanel = supervisorPage.getByRole('complementary', { name: words.customer.title });
      await customerPanel.getByRole('listitem').filter({ hasText: `CSAT ${fill(words.customer.score, { score: 5, of: 5 })}` }).waitFor();
      expect(await seriousViolations(supervisorPage)).toEqual([]);
      await screenshot(supervisorPage, `console-conversation-${language}.png`);

      // The board tab reads the person's language when it loads.
      await boardPage.reload();
      const kpis = boardPage.getByRole('region', { name: fill(words.kpi.title, { period: words.kpi.today }) });
      await kpis.getByRole('button', { name: fill(words.kpi.open, { title: words.kpi.csat, value: percent(1, language === 'zh' ? 'zh-CN' : language) }) }).waitFor();
      await boardPage.getByRole('region', { name: words.board.queues }).getByRole('button', { name: `${fill(words.board.waitingIn, { team: 'Support' })}: 2` }).waitFor();
      expect(await boardPage.locator('html').getAttribute('lang')).toBe(language === 'zh' ? 'zh-CN' : language);
      expect(await seriousViolations(boardPage)).toEqual([]);
      await screenshot(boardPage, `console-board-${language}.png`);
    }
    expect(pageProblems).toEqual([]);
  }, 90_000);
});
