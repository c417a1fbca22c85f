import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { emailRoutes } from '../../../src/channels/email/webhook.ts';
import { twilioRoutes } from '../../../src/channels/twilio/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import type { SubjectAccessExport } from '../../../src/replay/subject-access.ts';
import { postAsTwilio, twilioInboundSms } from '../../../scripts/sim/doors.ts';
import { eventually } from '../../support/collect.ts';
import { EMAIL_WEBHOOK_AUTH } from '../../support/engine.ts';
import { writeConfigDir } from '../../support/workers.ts';
import { ACCOUNT_SID, API_KEY, AUTH_TOKEN, outboundConfig, startEngine, TENANT, TWILIO_FROM } from '../outbound/support.ts';

/**
 * The right of access: a person who wrote by e-mail (with a PDF) and by MMS (with a photo), the two
 * customers merged by an agent, gets everything of both through `cs customers export`, files and
 * all, and nothing of another customer who wrote meanwhile.
 */
const root = resolve(import.meta.dirname, '../../..');
const pdf = Buffer.from(`%PDF-1.4\n% invoice ${randomBytes(8).toString('hex')}\n%%EOF\n`);
const photo = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(2048)]);
const SUPPORT = 'help@acme.test';

let dir: string;
let config: Config;
let engine: Awaited<ReturnType<typeof startEngine>>;
let host: { url: string; close(): Promise<void> };

beforeAll(async () => {
  const server = createServer((req, res) => (req.url?.endsWith('/Media/ME1') ? res.writeHead(200, { 'content-type': 'image/png' }).end(photo) : res.writeHead(404).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(() => r())) };
  dir = mkdtempSync(join(tmpdir(), 'cs-subject-'));
  const base = outboundConfig({ providerUrl: host.url, smtpPort: 2525 });
  config = { ...base, channels: { ...base.channels, attachments: { dir, maxBytes: 1024 * 1024 }, email: { ...base.channels.email, addresses: { [SUPPORT]: TENANT } } } };
  engine = await startEngine(config, [emailRoutes, twilioRoutes, actionRoutes]);
}, 90_000);

afterAll(async () => {
  await engine?.close();
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function mail(): Promise<void> {
  const raw = await new MailComposer({
    from: 'Jane Roe <jane.roe@example.net>',
    to: SUPPORT,
    subject: 'Invoice 2291 is wrong',
    text: 'The attached invoice charges me twice.',
    messageId: `<${randomBytes(8).toString('hex')}@example.net>`,
    attachments: [{ filename: 'invoice-2291.pdf', content: pdf, contentType: 'application/pdf' }],
  })
    .compile()
    .build();
  const response = await fetch(`${engine.harness.url}/webhooks/email`, { method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: EMAIL_WEBHOOK_AUTH }, body: raw });
  expect(response.status).toBe(200);
}

async function sms(from: string, body: string, media?: string): Promise<void> {
  const messageSid = `MM${randomBytes(16).toString('hex')}`;
  const params = twilioInboundSms({ accountSid: ACCOUNT_SID, messageSid, from, to: TWILIO_FROM, body });
  if (media) Object.assign(params, { NumMedia: '1', MediaUrl0: media, MediaContentType0: 'image/png' });
  expect((await postAsTwilio(engine.harness.url, config.channels.publicUrl, AUTH_TOKEN, '/webhooks/twilio/sms', params)).status).toBe(200);
}

function csExport(id: string, out: string, zip: boolean): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'bin/cs.js'), 'customers', 'export', id, '--tenant', TENANT, '--out', out, ...(zip ? ['--zip'] : [])], {
    cwd: root,
    env: { ...process.env, CS_CONFIG_DIR: writeConfigDir(config), CS_FROM_SOURCES: '1', LOG_LEVEL: 'silent' },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.once('close', (code) => done({ code, stderr })));
}

function unzip(path: string): Promise<Map<string, Buffer>> {
  return new Promise((done, fail) => {
    const entries = new Map<string, Buffer>();
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return fail(err);
      zip.on('entry', (entry: yauzl.Entry) =>
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        }),
      );
      zip.on('end', () => done(entries));
      zip.readEntry();
    });
  });
}

describe('cs customers export', () => {
  it('given a person who was two customers (e-mail with a PDF, MMS with a photo), merged, gives everything of both and nothing of anyone else', async () => {
    await mail();
    await sms('+14155550123', 'Also, here is the parcel', `${host.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/MM1/Media/ME1`);
    await sms('+14155550999', 'Someone else entirely: my account number is 7781');
    const scope = await engine.reader.scope(TENANT);
    let byMail = '';
    let byPhone = '';
    await eventually('both customers folded, the photo fetched', async () => {
      [byMail = ''] = await engine.reader.customerIdsByHandle(scope, ['jane.roe@example.net']);
      [byPhone = ''] = await engine.reader.customerIdsByHandle(scope, ['+14155550123']);
      if (!byMail || !byPhone) return false;
      const phone = await engine.customer(byPhone);
      const [conversation] = await engine.reader.conversations(scope, phone.conversationIds);
      return conversation !== undefined && (await engine.reader.outcomes(scope, conversation)).media.size > 0;
    }, 30_000);
    expect((await engine.api('POST', `/v1/customers/${byMail}/merge`, { from: byPhone })).status).toBe(202);
    await engine.customer(byMail, (c) => c.mergedFrom.includes(byPhone));

    const json = join(dir, 'jane.json');
    const asked = await csExport(byPhone, json, false);
    expect(asked, asked.stderr).toMatchObject({ code: 0 });
    const exported = JSON.parse(readFileSync(json, 'utf8')) as SubjectAccessExport;
    // Asked by the customer merged away: the person is the survivor and everyone merged into it.
    expect(exported.people.sort()).toEqual([byMail, byPhone].sort());
    expect(exported.conversations).toHaveLength(2);
    const texts = exported.events.flatMap((e) => (e.type === 'message.received' ? [e.data.text] : []));
    expect(texts).toEqual(expect.arrayContaining(['The attached invoice charges me twice.', 'Also, here is the parcel']));
    expect(exported.events.map((e) => e.type)).toEqual(expect.arrayContaining(['customer.identified', 'customer.merged', 'message.attachment_stored']));
    expect(exported.files.map((f) => [f.filename.endsWith('.pdf') ? 'pdf' : 'photo', f.size, f.path !== undefined])).toEqual(
      expect.arrayContaining([
        ['pdf', pdf.length, true],
        ['photo', photo.length, true],
      ]),
    );
    const text = readFileSync(json, 'utf8');
    expect(text).not.toContain('+14155550999');
    expect(text).not.toContain('7781');

    const zipped = join(dir, 'jane.zip');
    expect(await csExport(byMail, zipped, true)).toMatchObject({ code: 0 });
    const entries = await unzip(zipped);
    const inZip = JSON.parse(entries.get('export.json')!.toString('utf8')) as SubjectAccessExport;
    expect(inZip.people.sort()).toEqual(exported.people);
    for (const file of inZip.files) expect(entries.get(file.path!)?.length).toBe(file.size);
    expect([...entries.values()].some((b) => b.equals(pdf))).toBe(true);
    expect([...entries.values()].some((b) => b.equals(photo))).toBe(true);

    // The same through the API, for admins (the isolation matrix holds the other roles to 403).
    const viaApi = await engine.api('GET', `/v1/customers/${byPhone}/export`);
    expect(viaApi.status).toBe(200);
    expect({ ...(viaApi.body as unknown as SubjectAccessExport), exportedAt: exported.exportedAt }).toEqual({ ...exported, people: (viaApi.body as unknown as SubjectAccessExport).people });
    const zipAnswer = await fetch(`${engine.harness.url}/v1/customers/${byMail}/export?format=zip`, { headers: { authorization: `Bearer ${API_KEY}` } });
    expect(zipAnswer.headers.get('content-type')).toBe('application/zip');
    const fromApi = join(dir, 'api.zip');
    writeFileSync(fromApi, Buffer.from(await zipAnswer.arrayBuffer()));
    expect([...(await unzip(fromApi)).keys()].sort()).toEqual([...entries.keys()].sort());
    expect((await engine.api('GET', '/v1/customers/cus_nobody/export')).status).toBe(404);

    expect(await csExport('cus_nobody', join(dir, 'nobody.json'), false)).toMatchObject({ code: 1, stderr: expect.stringContaining(`tenant ${TENANT} has no customer cus_nobody`) });
  }, 120_000);
});
