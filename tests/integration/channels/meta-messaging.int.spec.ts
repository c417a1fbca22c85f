import { createHmac, randomBytes } from 'node:crypto';
import { nanoid } from 'nanoid';
import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../events/index.ts';
import { metaRoutes } from '../../../src/channels/meta/routes.ts';
import { twilioRoutes } from '../../../src/channels/twilio/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';

const PAGE_ID = '104000000000001';
const IG_ACCOUNT_ID = '17841400000000001';
const WA_PHONE_NUMBER_ID = '1122334455667';
const PUBLIC_URL = 'https://cs.example.test';

interface Setup {
  config: Config;
  tenant: string;
  appSecret: string;
  accountSid: string;
  authToken: string;
}

/** One tenant reached through Messenger, Instagram, WhatsApp and a Twilio number. */
function setup(): Setup {
  const base = testConfig();
  const tenant = `social-${nanoid(8).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const appSecret = randomBytes(16).toString('hex');
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const route = { tenant, accessToken: '' };
  const config: Config = {
    ...base,
    channels: {
      ...base.channels,
      publicUrl: PUBLIC_URL,
      meta: { ...base.channels.meta, appSecret, verifyToken: 'unused-token', routes: { [PAGE_ID]: route, [IG_ACCOUNT_ID]: route, [WA_PHONE_NUMBER_ID]: route } },
      twilio: { ...base.channels.twilio, accounts: { [accountSid]: { tenant, authToken, from: '+15005550006' } } },
    },
  };
  return { config, tenant, appSecret, accountSid, authToken };
}

const open: ChannelHarness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

async function start(s: Setup): Promise<ChannelHarness> {
  const h = await startChannelHarness(s.config, [twilioRoutes, metaRoutes]);
  open.push(h);
  return h;
}

async function postMeta(h: ChannelHarness, s: Setup, body: unknown, contentType = 'application/json') {
  const text = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', s.appSecret).update(text).digest('hex')}`;
  const response = await fetch(`${h.url}/webhooks/meta`, { method: 'POST', headers: { 'content-type': contentType, 'x-hub-signature-256': signature }, body: text });
  return response.status;
}

const messages = (h: ChannelHarness) => h.events.filter((e): e is EventEnvelope<'message.received'> => e.type === 'message.received');

describe('POST /webhooks/meta (Messenger and Instagram)', () => {
  it('turns Messenger messages and postbacks into social events, ignoring echoes (a delivery is a status report, not a message)', async () => {
    const s = setup();
    const h = await start(s);
    const psid = '6543210987654321';
    const imageUrl = 'https://scontent.xx.fbcdn.net/v/t1.15752-9/photo_123.jpg?_nc_cat=1&oh=abc';
    const body = {
      object: 'page',
      entry: [
        {
          id: PAGE_ID,
          time: 1700000001000,
          messaging: [
            { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: 1700000000123, message: { mid: 'm_text', text: 'Where is my parcel?' } },
            { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: 1700000000456, message: { mid: 'm_image', attachments: [{ type: 'image', payload: { url: imageUrl } }], reply_to: { mid: 'm_ours' } } },
            { sender: { id: PAGE_ID }, recipient: { id: psid }, timestamp: 1700000000500, message: { mid: 'm_echo', is_echo: true, text: 'our answer' } },
            { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: 1700000000600, delivery: { mids: ['m_echo'], watermark: 1700000000500 } },
            { sender: { id: psid }, recipient: { id: PAGE_ID }, timestamp: 1700000000700, postback: { mid: 'm_postback', title: 'Talk to a human', payload: 'HUMAN' } },
          ],
        },
      ],
    };
    // Content types with parameters are JSON too.
    expect(await postMeta(h, s, body, 'application/json; charset=utf-8')).toBe(200);
    await eventually('three Messenger events', () => messages(h).length >= 3);
    const got = messages(h);
    expect(got).toHaveLength(3);
    const common = { tenant: s.tenant, data: { channel: 'social', provider: 'messenger', handle: psid } };
    expect(got.find((e) => e.data.providerMessageId === 'm_text')).toMatchObject({ ...common, time: '2023-11-14T22:13:20.123Z', data: { ...common.data, text: 'Where is my parcel?' } });
    expect(got.find((e) => e.data.providerMessageId === 'm_image')).toMatchObject({
      ...common,
      data: { ...common.data, text: '', inReplyTo: 'm_ours', attachments: [{ filename: 'photo_123.jpg', contentType: 'image/*', size: 0, storageKey: imageUrl }] },
    });
    expect(got.find((e) => e.data.providerMessageId === 'm_postback')).toMatchObject({ ...common, data: { ...common.data, text: 'Talk to a human' } });
    expect(new Set(got.map((e) => e.customer)).size).toBe(1);
  });

  it('turns Instagram messages into social events with provider instagram', async () => {
    const s = setup();
    const h = await start(s);
    const igsid = '1122334455667788';
    const body = {
      object: 'instagram',
      entry: [{ id: IG_ACCOUNT_ID, time: 1700000002000, messaging: [{ sender: { id: igsid }, recipient: { id: IG_ACCOUNT_ID }, timestamp: 1700000001999, message: { mid: 'aWdfZAG1faXRlbTox', text: 'hi from instagram' } }] }],
    };
    expect(await postMeta(h, s, body)).toBe(200);
    await eventually('the Instagram event', () => messages(h).length === 1);
    expect(messages(h)[0]).toMatchObject({
      tenant: s.tenant,
      time: '2023-11-14T22:13:21.999Z',
      data: { channel: 'social', provider: 'instagram', handle: igsid, text: 'hi from instagram', providerMessageId: 'aWdfZAG1faXRlbTox' },
    });
  });
});

describe('one customer across SMS and WhatsApp', () => {
  it('resolves the same phone number to the same customer on both channels', async () => {
    const s = setup();
    const h = await start(s);
    const sms = {
      MessageSid: `SM${randomBytes(16).toString('hex')}`,
      AccountSid: s.accountSid,
      From: '+14155550142',
      To: '+15005550006',
      Body: 'texting you first',
      NumMedia: '0',
    };
    const url = `${PUBLIC_URL}/webhooks/twilio/sms`;
    const smsAnswer = await fetch(`${h.url}/webhooks/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(s.authToken, url, sms) },
      body: new URLSearchParams(sms).toString(),
    });
    expect(smsAnswer.status).toBe(200);

    const whatsapp = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1234567890987654321',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15005550006', phone_number_id: WA_PHONE_NUMBER_ID },
                contacts: [{ profile: { name: 'Pat' }, wa_id: '14155550142' }],
                messages: [{ from: '14155550142', id: 'wamid.cross.1', timestamp: '1700000000', type: 'text', text: { body: 'and now on WhatsApp' } }],
              },
            },
          ],
        },
      ],
    };
    expect(await postMeta(h, s, whatsapp)).toBe(200);

    await eventually('both messages', () => messages(h).length >= 2);
    const [viaSms, viaWhatsapp] = [messages(h).find((e) => e.data.provider === 'twilio')!, messages(h).find((e) => e.data.provider === 'whatsapp')!];
    expect(viaSms.data).toMatchObject({ channel: 'sms', handle: '+14155550142' });
    expect(viaWhatsapp.data).toMatchObject({ channel: 'social', handle: '+14155550142' });
    expect(viaWhatsapp.customer).toBe(viaSms.customer);
    expect(h.events.filter((e) => e.type === 'customer.identified')).toHaveLength(1);
  });
});
