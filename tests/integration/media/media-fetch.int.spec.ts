import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metaRoutes } from '../../../src/channels/meta/routes.ts';
import { twilioRoutes } from '../../../src/channels/twilio/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import type { TranscriptAttachment } from '../../../src/domain/state.ts';
import { postAsMeta, postAsTwilio, twilioInboundSms } from '../../../scripts/sim/doors.ts';
import { eventually } from '../../support/collect.ts';
import { ACCOUNT_SID, API_KEY, AUTH_TOKEN, collectEvents, META_ROUTE, META_TOKEN, outboundConfig, startEngine, TENANT, TWILIO_FROM } from '../outbound/support.ts';

/**
 * Files providers keep, fetched into the attachment store by the outbound role, through the
 * public doors on real Kafka and Redis: a Twilio MMS (MediaUrl with the account's credentials), a
 * WhatsApp image (media id through the Graph API, checked against its SHA-256), a Messenger image
 * (CDN URL). A provider that fails is retried; a file over the limit, or gone, is given up with the
 * reason and the message is kept. Agents download through their tenant's conversation only.
 */
const APP_SECRET = 'meta-app-secret-for-media';
const OTHER_KEY = 'key-globex-0123456789abcdef';
const LIMIT = 64 * 1024;
const MESSENGER_PAGE = '109876543210987';

const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(3000)]);
const jpeg = Buffer.concat([Buffer.from('ffd8ffe0', 'hex'), randomBytes(5000)]);
const webp = Buffer.concat([Buffer.from('RIFF'), randomBytes(4000)]);
const huge = randomBytes(LIMIT + 1);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The providers' media hosts: Twilio's API (basic auth), the Graph API and its media URLs (bearer), a CDN. */
interface Host {
  url: string;
  requests: Array<{ path: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

async function startMediaHost(): Promise<Host> {
  const requests: Host['requests'] = [];
  let flaky = 0;
  const twilioAuth = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
  const send = (res: ServerResponse, status: number, type: string, body: Buffer | string) => res.writeHead(status, { 'content-type': type }).end(body);
  const server = createServer((req: IncomingMessage, res: ServerResponse): void => {
    answer(req, res);
  });
  const answer = (req: IncomingMessage, res: ServerResponse): unknown => {
    const path = req.url ?? '';
    requests.push({ path, authorization: req.headers.authorization });
    const twilioMedia = /^\/2010-04-01\/Accounts\/(AC\w+)\/Messages\/\w+\/Media\/(\w+)$/.exec(path);
    if (twilioMedia) {
      if (req.headers.authorization !== twilioAuth) return send(res, 401, 'application/json', '{"code":20003,"message":"Authenticate"}');
      // Twilio answers with a redirect to where the file is.
      return res.writeHead(307, { location: `/media-files/${twilioMedia[2]}` }).end();
    }
    if (path === '/media-files/ME_png') return send(res, 200, 'image/png', png);
    if (path === '/media-files/ME_flaky') return ++flaky <= 2 ? send(res, 503, 'text/plain', 'try later') : send(res, 200, 'image/jpeg', jpeg);
    if (path === '/media-files/ME_huge') return send(res, 200, 'video/mp4', huge);
    if (path === '/media-files/ME_gone') return send(res, 404, 'application/json', '{"code":20404}');
    if (path === '/v19.0/wamedia1') {
      if (req.headers.authorization !== `Bearer ${META_TOKEN}`) return send(res, 401, 'application/json', '{}');
      return send(res, 200, 'application/json', JSON.stringify({ messaging_product: 'whatsapp', url: `http://${req.headers.host}/whatsapp-cdn/wamedia1`, mime_type: 'image/jpeg', sha256: sha256(jpeg), file_size: jpeg.length, id: 'wamedia1' }));
    }
    if (path === '/whatsapp-cdn/wamedia1') {
      if (req.headers.authorization !== `Bearer ${META_TOKEN}`) return send(res, 401, 'application/json', '{}');
      return send(res, 200, 'image/jpeg', jpeg);
    }
    if (path === '/fb-cdn/sticker.webp') return send(res, 200, 'image/webp', webp);
    return send(res, 404, 'text/plain', 'no such file');
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

let host: Host;
let dir: string;
let config: Config;
let engine: Awaited<ReturnType<typeof startEngine>>;
let log: Awaited<ReturnType<typeof collectEvents>>;

beforeAll(async () => {
  host = await startMediaHost();
  dir = mkdtempSync(join(tmpdir(), 'cs-media-'));
  const base = outboundConfig({ providerUrl: host.url, smtpPort: 2525 });
  config = {
    ...base,
    http: { ...base.http, apiKeys: { ...base.http.apiKeys, [OTHER_KEY]: 'globex' } },
    channels: {
      ...base.channels,
      attachments: { dir, maxBytes: LIMIT },
      meta: { ...base.channels.meta, appSecret: APP_SECRET, routes: { ...base.channels.meta.routes, [MESSENGER_PAGE]: { tenant: TENANT, accessToken: META_TOKEN } } },
    },
  };
  engine = await startEngine(config, [twilioRoutes, metaRoutes]);
  log = await collectEvents(config);
}, 90_000);

afterAll(async () => {
  await log?.close();
  await engine?.close();
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** An MMS from a new number with these media (name → type), through the signed Twilio door. */
async function mms(text: string, media: Array<[string, string]>): Promise<string> {
  const messageSid = `MM${randomBytes(16).toString('hex')}`;
  const params: Record<string, string> = {
    ...twilioInboundSms({ accountSid: ACCOUNT_SID, messageSid, from: `+1415555${String(1000 + ++n)}`, to: TWILIO_FROM, body: text }),
    NumMedia: String(media.length),
  };
  media.forEach(([name, type], i) => {
    params[`MediaUrl${i}`] = `${host.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${messageSid}/Media/${name}`;
    params[`MediaContentType${i}`] = type;
  });
  const answer = await postAsTwilio(engine.harness.url, config.channels.publicUrl, AUTH_TOKEN, '/webhooks/twilio/sms', params);
  expect(answer.status).toBe(200);
  return messageSid;
}

/** The conversation the message with this text opened, once its files' fetches came to an end. */
async function settledLineOf(text: string): Promise<{ id: string; attachments: TranscriptAttachment[] }> {
  let found: { id: string; attachments: TranscriptAttachment[] } | undefined;
  await eventually(`the files of "${text}" fetched or given up`, async () => {
    const opened = log.events.find((e) => e.type === 'message.received' && e.data.text === text);
    if (!opened) return false;
    const id = `cv_${opened.id}`;
    const view = await engine.api('GET', `/v1/conversations/${id}`);
    const line = (view.body?.transcript as Array<{ text: string; attachments?: TranscriptAttachment[] }> | undefined)?.find((l) => l.text === text);
    if (!line?.attachments?.every((a) => a.key !== undefined || a.unavailable !== undefined)) return false;
    found = { id, attachments: line.attachments };
    return true;
  }, 30_000);
  return found!;
}

async function download(conversation: string, key: string, apiKey = API_KEY) {
  const response = await fetch(`${engine.harness.url}/v1/conversations/${conversation}/attachments/${key}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: response.status, type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition'), bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('a Twilio MMS', () => {
  it('has its media fetched with the account’s credentials, stored with the real size, and downloadable by the tenant only', async () => {
    await mms('Here is the broken part', [['ME_png', 'image/png']]);
    const line = await settledLineOf('Here is the broken part');
    expect(line.attachments).toEqual([{ filename: expect.any(String), contentType: 'image/png', size: png.length, key: sha256(png) }]);
    expect(host.requests.find((r) => r.path.endsWith('/Media/ME_png'))?.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);

    const file = await download(line.id, sha256(png));
    expect(file).toMatchObject({ status: 200, type: 'image/png' });
    expect(file.disposition).toMatch(/^inline; /);
    expect(file.bytes.equals(png)).toBe(true);
    // Another tenant knows the key and the conversation id: it is not their conversation.
    expect((await download(line.id, sha256(png), OTHER_KEY)).status).toBe(404);
  });

  it('keeps trying a provider that fails, and stores the file once it answers (one event on the log)', async () => {
    await mms('Second try photo', [['ME_flaky', 'image/jpeg']]);
    const line = await settledLineOf('Second try photo');
    expect(line.attachments).toEqual([{ filename: expect.any(String), contentType: 'image/jpeg', size: jpeg.length, key: sha256(jpeg) }]);
    expect(host.requests.filter((r) => r.path === '/media-files/ME_flaky')).toHaveLength(3);
    const message = log.events.find((e) => e.type === 'message.received' && e.data.text === 'Second try photo')!;
    expect(log.events.filter((e) => e.type === 'message.attachment_stored' && e.data.message === message.id)).toHaveLength(1);
  });

  it('gives up on a file over the limit or gone at the provider, says why, and keeps the message and its other files', async () => {
    await mms('Video and a lost one and a photo', [
      ['ME_huge', 'video/mp4'],
      ['ME_gone', 'image/gif'],
      ['ME_png', 'image/png'],
    ]);
    const line = await settledLineOf('Video and a lost one and a photo');
    expect(line.attachments[0]).toMatchObject({ contentType: 'video/mp4', size: 0, unavailable: expect.stringContaining(`the limit is ${LIMIT}`) });
    expect(line.attachments[0]!.key).toBeUndefined();
    expect(line.attachments[1]).toMatchObject({ contentType: 'image/gif', unavailable: expect.stringContaining('HTTP 404') });
    expect(line.attachments[2]).toMatchObject({ key: sha256(png), size: png.length });
    // Gone is gone: asked once, not retried.
    expect(host.requests.filter((r) => r.path === '/media-files/ME_gone')).toHaveLength(1);
  });
});

describe('a WhatsApp image and a Messenger sticker', () => {
  it('are fetched through the Graph API (media id, checked against its SHA-256) and from the CDN URL', async () => {
    const at = Math.floor(Date.now() / 1000);
    const whatsapp = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: META_ROUTE },
                contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }],
                messages: [{ from: '16505551234', id: `wamid.${randomBytes(12).toString('hex')}`, timestamp: String(at), type: 'image', image: { caption: 'The dent on the box', mime_type: 'image/jpeg', sha256: sha256(jpeg), id: 'wamedia1' } }],
              },
            },
          ],
        },
      ],
    };
    expect((await postAsMeta(engine.harness.url, APP_SECRET, whatsapp)).status).toBe(200);
    const messenger = {
      object: 'page',
      entry: [
        {
          id: MESSENGER_PAGE,
          time: at * 1000,
          messaging: [
            {
              sender: { id: '24531428463102958' },
              recipient: { id: MESSENGER_PAGE },
              timestamp: at * 1000,
              message: { mid: `m_${randomBytes(12).toString('hex')}`, text: 'Sticker for you', attachments: [{ type: 'image', payload: { url: `${host.url}/fb-cdn/sticker.webp`, sticker_id: 369239263222822 } }] },
            },
          ],
        },
      ],
    };
    expect((await postAsMeta(engine.harness.url, APP_SECRET, messenger)).status).toBe(200);

    const wa = await settledLineOf('The dent on the box');
    expect(wa.attachments).toEqual([{ filename: expect.any(String), contentType: 'image/jpeg', size: jpeg.length, key: sha256(jpeg) }]);
    expect((await download(wa.id, sha256(jpeg))).bytes.equals(jpeg)).toBe(true);
    const fb = await settledLineOf('Sticker for you');
    // Messenger said only "image"; the CDN said what it is.
    expect(fb.attachments).toEqual([{ filename: 'sticker.webp', contentType: 'image/webp', size: webp.length, key: sha256(webp) }]);
  });
});
