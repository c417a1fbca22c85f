import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { chromium, type Browser as Chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { chromiumPath } from '../../support/browser.ts';
import { eventually } from '../../support/collect.ts';
import { buildConsoleIfStale, screenshot, seriousViolations } from '../../support/console.ts';
import { addUserWithCli, Browser, dropAccounts } from '../accounts/support.ts';
import { actionsConfig, startActionsEngine, TENANT, type ActionsEngine } from '../actions/support.ts';

/**
 * Erasing a customer from the console: in the customer panel of a conversation, an admin (who has
 * `customers:data`) opens a dialog that says what erasure does, types the confirmation word, and
 * erases; the conversation then reads `[erased]` where the customer's words and number were. An
 * agent does not see the control. A deployment without master keys erases nothing and says why.
 */
const PASSWORD = 'correct horse battery';
const MARK = randomBytes(4).toString('hex');
const PHONE = `+1415555${String(1000 + (randomBytes(2).readUInt16BE() % 9000))}`;
const TEXT = `Please send the parcel for order ${MARK} to my new address, 12 Elm Street.`;

let browser: Chromium;

beforeAll(async () => {
  buildConsoleIfStale();
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** An engine over real Kafka and Redis, with Ada (admin) and Li (agent, billing) able to sign in. */
async function startWithPeople(config: Config): Promise<ActionsEngine> {
  const engine = await startActionsEngine(config);
  const made = await addUserWithCli(config, ['--tenant', TENANT, '--email', 'ada@acme.test', '--role', 'admin', '--name', 'Ada Admin'], PASSWORD);
  expect(made, made.stderr).toMatchObject({ code: 0 });
  const admin = new Browser(engine.harness.url);
  expect((await admin.signIn(TENANT, 'ada@acme.test', PASSWORD)).status).toBe(200);
  const li = await admin.request('POST', '/v1/users', { email: 'li@acme.test', name: 'Li Wei', role: 'agent', agent: 'ag_li', password: PASSWORD });
  expect(li.status, JSON.stringify(li.body)).toBe(201);
  return engine;
}

/** A customer's SMS, posted to `POST /v1/events` as an adapter would, triaged into billing; the conversation it opened. */
async function customerTexts(engine: ActionsEngine): Promise<{ customer: string; conversation: string }> {
  const customer = `cus_${randomBytes(5).toString('hex')}`;
  const event = createEvent({ type: 'message.received', source: '/tests', tenant: TENANT, customer, time: new Date().toISOString(), data: { channel: 'sms', provider: 'twilio', handle: PHONE, text: TEXT } });
  const posted = await engine.api('POST', '/v1/events', event);
  expect(posted.status, JSON.stringify(posted.body)).toBe(202);
  const conversation = `cv_${event.id}`;
  await engine.conversation(conversation);
  await engine.triaged(customer, conversation, 'billing');
  return { customer, conversation };
}

/** A fresh browser (no cookies), signed in through the page as this person, on this conversation. */
async function openAs(engine: ActionsEngine, email: string, conversation: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })).newPage();
  await page.goto(`${engine.harness.url}/sign-in`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Workspace').fill(TENANT);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
  await page.goto(`${engine.harness.url}/conversations/${conversation}`);
  await page.getByRole('region', { name: 'Transcript' }).waitFor();
  return page;
}

const customerPanel = (page: Page) => page.getByRole('complementary', { name: 'Customer' });
const eraseDialog = (page: Page) => page.getByRole('dialog', { name: 'Erase this customer for good?' });

/** Opens the dialog and types the confirmation word; the confirm button is enabled only once it is typed. */
async function confirmErasure(page: Page): Promise<void> {
  await customerPanel(page).getByRole('button', { name: 'Erase customer…' }).click();
  const dialog = eraseDialog(page);
  await dialog.waitFor();
  const confirm = dialog.getByRole('button', { name: 'Erase for good' });
  expect(await confirm.isDisabled()).toBe(true);
  await dialog.getByLabel('Type ERASE to confirm').fill('eras');
  expect(await confirm.isDisabled()).toBe(true);
  await dialog.getByLabel('Type ERASE to confirm').fill('erase');
  expect(await confirm.isEnabled()).toBe(true);
  await confirm.click();
}

describe('erasing a customer from the console, with master keys', () => {
  const base = actionsConfig();
  const config: Config = {
    ...base,
    privacy: { ...base.privacy, masterKeys: { m1: randomBytes(32).toString('base64') }, activeMasterKey: 'm1' },
    channels: { ...base.channels, attachments: { ...base.channels.attachments, dir: mkdtempSync(join(tmpdir(), 'cs-console-erase-')) } },
  };
  let engine: ActionsEngine;

  beforeAll(async () => {
    engine = await startWithPeople(config);
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    await dropAccounts(config);
    const redis = new Redis(config.redis.url);
    for (const pattern of [`cs:dk:{${config.instance}:*`, `cs:erase:{${config.instance}:*`]) {
      for (const key of await redis.keys(pattern)) await redis.del(key);
    }
    redis.disconnect();
    rmSync(config.channels.attachments.dir, { recursive: true, force: true });
  });

  it('given a customer who texted, an agent sees no erase control; the admin erases them through the dialog, and the conversation reads [erased] where their text and number were', async () => {
    const { customer, conversation } = await customerTexts(engine);

    // Given Li, an agent: the customer panel has no way to erase (she lacks customers:data).
    const asLi = await openAs(engine, 'li@acme.test', conversation);
    await customerPanel(asLi).getByText(`SMS · ${PHONE}`).waitFor();
    expect(await customerPanel(asLi).getByRole('button', { name: 'Erase customer…' }).count()).toBe(0);
    expect(await customerPanel(asLi).getByRole('heading', { name: 'Right to be forgotten' }).count()).toBe(0);
    await asLi.context().close();

    // When Ada, an admin, opens the same conversation: the customer as they wrote, and the control.
    const page = await openAs(engine, 'ada@acme.test', conversation);
    const transcript = page.getByRole('region', { name: 'Transcript' });
    await transcript.getByText(TEXT).waitFor();
    await customerPanel(page).getByText(`SMS · ${PHONE}`).waitFor();

    // The dialog says what happens and that it is final, before anything is done.
    await customerPanel(page).getByRole('button', { name: 'Erase customer…' }).click();
    const dialog = eraseDialog(page);
    await dialog.waitFor();
    const said = await dialog.innerText();
    for (const sentence of ['unreadable for good', 'messages and files they sent, are removed', 'stay as anonymous facts', 'cannot be undone']) expect(said).toContain(sentence);
    expect(said).toContain(customer);
    await dialog.getByLabel('Type ERASE to confirm').fill('ERA');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'console-erase-dialog.png', { fullPage: false });
    // Cancelled: nothing happened, and the word typed is forgotten.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await dialog.isVisible()).toBe(false);
    await transcript.getByText(TEXT).waitFor();

    await confirmErasure(page);

    // Then: the dialog closes, the panel says it is done, and what was personal reads [erased].
    await customerPanel(page).getByRole('status').filter({ hasText: 'Erased. What was personal now reads [erased].' }).waitFor();
    expect(await dialog.isVisible()).toBe(false);
    await transcript.getByRole('article', { name: `Message from ${customer}` }).getByText('[erased]', { exact: true }).waitFor();
    await customerPanel(page).getByText('SMS · [erased]').waitFor();
    // Nobody is left to reply to: the composer says so and sends no reply.
    await page.getByText('This customer was erased: no address of theirs is left to reply to.', { exact: false }).waitFor();
    expect(await page.getByRole('button', { name: 'Send reply' }).isDisabled()).toBe(true);
    const shown = await page.locator('body').innerText();
    expect(shown).not.toContain(MARK);
    expect(shown).not.toContain(PHONE);
    // The conversation itself stays: a fact for the reports.
    expect(await page.getByRole('heading', { level: 1 }).count()).toBe(1);
    await screenshot(page, 'console-erased.png');

    // On the log: one customer.erased, by Ada's account, for this customer.
    await eventually('customer.erased on the log', () => engine.harness.events.some((e) => e.type === 'customer.erased' && e.customer === customer));
    const erased = engine.harness.events.filter((e) => e.type === 'customer.erased' && e.customer === customer);
    expect(erased).toHaveLength(1);

    // Erasing again answers what was done before, and says so.
    await confirmErasure(page);
    await customerPanel(page).getByRole('status').filter({ hasText: 'This customer was already erased' }).waitFor();
    await page.context().close();
  });
});

describe('erasing a customer from the console, without master keys', () => {
  const config = actionsConfig();
  let engine: ActionsEngine;

  beforeAll(async () => {
    engine = await startWithPeople(config);
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
    await dropAccounts(config);
  });

  it('given a deployment that seals nothing, the dialog says nothing was erased and why, and stays open; the customer still reads as they wrote', async () => {
    const { conversation } = await customerTexts(engine);
    const page = await openAs(engine, 'ada@acme.test', conversation);

    await confirmErasure(page);

    const dialog = eraseDialog(page);
    await dialog.getByRole('alert').filter({ hasText: 'Nothing was erased: this deployment seals no personal data' }).waitFor();
    expect(await dialog.isVisible()).toBe(true);
    await screenshot(page, 'console-erase-unavailable.png', { fullPage: false });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('region', { name: 'Transcript' }).getByText(TEXT).waitFor();
    await customerPanel(page).getByText(`SMS · ${PHONE}`).waitFor();
    expect(engine.harness.events.some((e) => e.type === 'customer.erased')).toBe(false);
    await page.context().close();
  });
});
