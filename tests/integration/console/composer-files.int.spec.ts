import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser as Chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvent } from '../../../events/index.ts';
import { uploadKeys } from '../../../src/projections/keys.ts';
import { chromiumPath } from '../../support/browser.ts';
import { buildConsoleIfStale, seriousViolations } from '../../support/console.ts';
import { eventually } from '../../support/collect.ts';
import { addUserWithCli, dropAccounts } from '../accounts/support.ts';
import { actionsConfig, startActionsEngine, TENANT, type ActionsEngine } from '../actions/support.ts';

/**
 * The composer's files in Chromium: an agent attaches them with the button and by dropping them on
 * the composer, sees each as a chip (name, size, remove), sends a reply of files alone, and reads
 * the engine's refusal when the reply's channel does not take a file, or the upload is too large.
 */
const base = actionsConfig();
/** Small, so a file over it is quick to make. */
const MAX_BYTES = 200_000;
const config = { ...base, channels: { ...base.channels, attachments: { dir: mkdtempSync(join(tmpdir(), 'cs-composer-files-')), maxBytes: MAX_BYTES } } };
const PASSWORD = 'correct horse battery';

let engine: ActionsEngine;
let browser: Chromium;
let page: Page;

beforeAll(async () => {
  buildConsoleIfStale();
  engine = await startActionsEngine(config);
  const made = await addUserWithCli(config, ['--tenant', TENANT, '--email', 'ada@acme.test', '--role', 'admin', '--name', 'Ada Admin'], PASSWORD);
  expect(made, made.stderr).toMatchObject({ code: 0 });
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' })).newPage();
  await page.goto(`${engine.harness.url}/sign-in`);
  await page.getByLabel('E-mail').fill('ada@acme.test');
  await page.getByLabel('Workspace').fill(TENANT);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Inbox' }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (engine) {
    await engine.harness.ctx.redis.del(uploadKeys(config.instance).uploads(TENANT));
    await engine.close();
  }
  await dropAccounts(config);
  rmSync(config.channels.attachments.dir, { recursive: true, force: true });
});

/** A customer's SMS, as the Twilio door appends it; the conversation it opens, once folded. */
async function smsCustomer(text: string): Promise<string> {
  const customer = `cus_sms_${Date.now()}`;
  const event = createEvent({ type: 'message.received', source: '/tests', tenant: TENANT, customer, time: new Date().toISOString(), data: { channel: 'sms', provider: 'twilio', handle: '+14155550177', text } });
  await engine.harness.ctx.eventLog.append([event]);
  await engine.conversation(`cv_${event.id}`);
  return `cv_${event.id}`;
}

const composer = () => page.getByRole('region', { name: 'Write' });
const chips = () => composer().getByRole('list', { name: 'Files for the reply' });

async function choose(files: Array<{ name: string; mimeType: string; buffer: Buffer }>): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await composer().getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles(files);
}

describe('the composer’s files', () => {
  it('attaches by button and by drop, shows chips with name and size, removes one, and sends a reply of files alone', async () => {
    const { conversationId } = await engine.customerWrites(undefined, 'Could you send me the label and the invoice?');
    await page.goto(`${engine.harness.url}/conversations/${conversationId}`);
    await composer().waitFor();

    await choose([
      { name: 'label.png', mimeType: 'image/png', buffer: Buffer.alloc(2_048, 1) },
      { name: 'wrong.txt', mimeType: 'text/plain', buffer: Buffer.from('not this one') },
    ]);
    await chips().getByText('label.png').waitFor();
    await chips().locator('[data-state="uploaded"]').nth(1).waitFor();
    expect(await chips().getByRole('listitem').allInnerTexts()).toEqual([expect.stringMatching(/^label\.png\s+2\s?kB\s/), expect.stringMatching(/^wrong\.txt\s+12\s?B/)]);

    // Removing a chip: by its own button, found by name; focus goes back to the attach button.
    await chips().getByRole('button', { name: 'Remove wrong.txt' }).click();
    expect(await chips().getByRole('listitem').count()).toBe(1);
    // In the page (strings: this project's Node types know no DOM).
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Attach files');

    // Dropped onto the composer, as from the desktop.
    const dropped = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['%PDF-1.7 invoice'], 'invoice.pdf', { type: 'application/pdf' }));
      return transfer;
    })()`);
    await composer().dispatchEvent('dragover', { dataTransfer: dropped });
    await composer().dispatchEvent('drop', { dataTransfer: dropped });
    await chips().getByText('invoice.pdf').waitFor();
    await chips().locator('[data-state="uploaded"]').nth(1).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // No text: the files are the reply.
    await composer().getByRole('button', { name: 'Send reply' }).click();
    await page.getByRole('status').filter({ hasText: 'Reply sent.' }).waitFor();
    expect(await chips().count()).toBe(0);
    await eventually('the reply on the log', () => engine.eventsOf(conversationId, 'message.sent').length > 0);
    const [sent] = engine.eventsOf(conversationId, 'message.sent');
    expect(sent?.type === 'message.sent' && sent.data).toMatchObject({
      text: '',
      internal: false,
      attachments: [
        { filename: 'label.png', contentType: 'image/png', size: 2_048, storageKey: expect.stringMatching(/^[0-9a-f]{64}$/) },
        { filename: 'invoice.pdf', contentType: 'application/pdf', size: 16, storageKey: expect.stringMatching(/^[0-9a-f]{64}$/) },
      ],
    });
  });

  it('shows the engine’s refusal: a file the reply’s channel does not take (nothing sent), and an upload over the limit', async () => {
    const conversationId = await smsCustomer('Send me the installer');
    await page.goto(`${engine.harness.url}/conversations/${conversationId}`);
    await composer().waitFor();

    await choose([{ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_BYTES + 1) }]);
    await composer().getByRole('alert').filter({ hasText: 'big.bin was not uploaded: the file is larger than' }).waitFor();
    expect(await chips().count()).toBe(0);

    await choose([{ name: 'setup.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ installer') }]);
    await chips().locator('[data-state="uploaded"]').waitFor();
    await page.getByRole('textbox', { name: 'Reply or internal note' }).fill('Here it is');
    await composer().getByRole('button', { name: 'Send reply' }).click();
    await page.getByRole('alert').filter({ hasText: '"setup.exe" cannot go out on SMS (Twilio MMS)' }).waitFor();
    // The chip and the text stay, so the agent can remove the file and send the rest.
    expect(await chips().getByRole('listitem').count()).toBe(1);
    expect(await page.getByRole('textbox', { name: 'Reply or internal note' }).inputValue()).toBe('Here it is');
    expect((await engine.settledEventsOf(conversationId)).filter((e) => e.type === 'message.sent')).toEqual([]);
  });
});
