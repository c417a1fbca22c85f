import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nanoid } from 'nanoid';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { emailRoutes, startSmtpListener } from '../../../src/channels/email/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { EMAIL_WEBHOOK_AUTH, testConfig } from '../../support/engine.ts';

/**
 * Every real-world fixture mail (parser torture tests included) either becomes one event or is
 * refused with a reason on the rejected-input topic: none crashes the adapter, none vanishes.
 * Many parser fixtures reuse one Message-ID for different test bodies; a second mail with a
 * Message-ID already accepted is, by design, the same message (dedupe) and answered as such.
 */
const fixtures = fileURLToPath(new URL('../../../../shared/fixtures/', import.meta.url));
const SUPPORT = 'support@acme.test';

function emlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? emlFiles(path) : name.endsWith('.eml') ? [path] : [];
    });
}
const corpus = [...emlFiles(join(fixtures, 'email-mikel-mail')), ...emlFiles(join(fixtures, 'email-chatwoot'))];

type Outcome = { file: string; kind: 'accepted' | 'duplicate'; eventId: string } | { file: string; kind: 'rejected'; reason: string } | { file: string; kind: 'failed'; detail: string };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<ChannelHarness> {
  const base = testConfig();
  const tenant = `em-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const dir = mkdtempSync(join(tmpdir(), 'email-corpus-'));
  const config: Config = { ...base, channels: { ...base.channels, attachments: { dir, maxBytes: 1024 * 1024 }, email: { ...base.channels.email, addresses: { [SUPPORT]: tenant } } } };
  const h = await startChannelHarness(config, [emailRoutes]);
  cleanups.push(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return h;
}

/** The whole-corpus checks both transports share. */
async function expectNoneLost(h: ChannelHarness, outcomes: Outcome[]): Promise<void> {
  const by = (kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind);
  expect(by('failed')).toEqual([]);
  expect(by('accepted').length + by('duplicate').length + by('rejected').length).toBe(corpus.length);
  const acceptedIds = new Set(by('accepted').map((o) => (o.kind === 'accepted' ? o.eventId : '')));
  expect(acceptedIds.size).toBe(by('accepted').length);
  // A duplicate names the event an earlier file of the corpus already published.
  for (const o of by('duplicate')) expect(acceptedIds.has(o.kind === 'duplicate' ? o.eventId : ''), o.file).toBe(true);
  await eventually('one event per accepted mail', () => h.events.filter((e) => e.type === 'message.received').length >= acceptedIds.size);
  expect(new Set(h.events.filter((e) => e.type === 'message.received').map((e) => e.id))).toEqual(acceptedIds);
  const rejected = await h.rejected();
  expect(rejected).toHaveLength(by('rejected').length);
  for (const r of rejected) expect(r.reason.length).toBeGreaterThan(0);
  const health = await fetch(`${h.url}/healthz`);
  expect(health.status).toBe(200);
  if (process.env.EMAIL_CORPUS_REPORT) {
    const reasons = by('rejected').map((o) => `${o.file}: ${o.kind === 'rejected' ? o.reason : ''}`);
    console.info(JSON.stringify({ files: corpus.length, accepted: acceptedIds.size, duplicate: by('duplicate').length, rejected: reasons }, null, 2));
  }
}

describe('the whole mail corpus', () => {
  it(`over SMTP, envelope recipient ${SUPPORT}: each of the ${corpus.length} files accepted once or rejected with a reason`, { timeout: 180_000 }, async () => {
    const h = await setup();
    const smtp = await startSmtpListener(h.ctx, { host: '127.0.0.1', port: 0 });
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });
    cleanups.push(async () => {
      mailer.close();
      await smtp.close();
    });
    const outcomes: Outcome[] = [];
    for (const path of corpus) {
      const file = relative(fixtures, path);
      try {
        // The envelope decides the tenant: most fixtures are addressed to someone else entirely.
        const info = await mailer.sendMail({ envelope: { from: 'relay@sender.test', to: [SUPPORT] }, raw: readFileSync(path) });
        const [, verb, eventId] = /^250 OK: (accepted as|already received as) (\S+)/.exec(info.response) ?? [];
        outcomes.push(eventId ? { file, kind: verb === 'accepted as' ? 'accepted' : 'duplicate', eventId } : { file, kind: 'failed', detail: info.response });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode ?? 0;
        const detail = (err as Error).message;
        outcomes.push(code >= 550 && code < 560 ? { file, kind: 'rejected', reason: detail } : { file, kind: 'failed', detail: `${code} ${detail}` });
      }
    }
    await expectNoneLost(h, outcomes);
  });

  it(`posted to the webhook as message/rfc822 with X-Original-To ${SUPPORT}: the same`, { timeout: 180_000 }, async () => {
    const h = await setup();
    const outcomes: Outcome[] = [];
    for (const path of corpus) {
      const file = relative(fixtures, path);
      // What an MTA's pipe delivery records: the envelope recipient, prepended as a header.
      const body = Buffer.concat([Buffer.from(`X-Original-To: ${SUPPORT}\r\n`), readFileSync(path)]);
      const res = await fetch(`${h.url}/webhooks/email`, { method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: EMAIL_WEBHOOK_AUTH }, body });
      const json = (await res.json()) as { status?: string; eventIds?: string[]; message?: string };
      if (res.status === 200 && (json.status === 'accepted' || json.status === 'duplicate')) outcomes.push({ file, kind: json.status, eventId: json.eventIds![0]! });
      else if (res.status === 400) outcomes.push({ file, kind: 'rejected', reason: json.message ?? '' });
      else outcomes.push({ file, kind: 'failed', detail: `${res.status} ${JSON.stringify(json)}` });
    }
    await expectNoneLost(h, outcomes);
  });
});
