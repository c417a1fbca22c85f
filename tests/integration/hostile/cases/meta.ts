import { accept, http, IG_ID, metaSignature, nested, OVER_KAFKA, PAGE_ID, phone, refuse, textOf, UNDER_LIMIT, WA_PHONE_ID, type CaseSpec, type Door, type HostileEnv } from '../support.ts';
import { transportCases } from './transport.ts';

const PATH = '/webhooks/meta';

type Json = Record<string, unknown>;

const waId = (index: number) => phone(index).slice(1);

export const waMessage = (marker: string, index: number, overrides: Json = {}): Json => ({
  from: waId(index),
  id: `wamid.${marker}`,
  timestamp: '1767261600',
  type: 'text',
  text: { body: `hello ${marker}` },
  ...overrides,
});

export function waBody(messages: unknown[], options: { phoneId?: string; statuses?: unknown[]; extra?: Json } = {}): Json {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA-1',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550000000', phone_number_id: options.phoneId ?? WA_PHONE_ID },
              messages,
              ...(options.statuses ? { statuses: options.statuses } : {}),
            },
          },
        ],
      },
    ],
    ...options.extra,
  };
}

export const messagingEvent = (marker: string, index: number, message: Json = {}, sender = `1000000${String(index).padStart(9, '0')}`): Json => ({
  sender: { id: sender },
  recipient: { id: PAGE_ID },
  timestamp: 1767261600000,
  message: { mid: `m_${marker}`, text: `hello ${marker}`, ...message },
});

export const messagingBody = (object: 'page' | 'instagram', events: unknown[], entryId?: string): Json => ({
  object,
  entry: [{ id: entryId ?? (object === 'page' ? PAGE_ID : IG_ID), time: 1767261600000, messaging: events }],
});

/** Posts bytes as Meta does, signed over exactly those bytes unless told otherwise. */
export function postMeta(env: HostileEnv, body: string | Buffer, opts: { signature?: string | null; contentType?: string } = {}) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const signature = opts.signature === undefined ? metaSignature(bytes) : opts.signature;
  return http(env, {
    path: PATH,
    headers: { 'content-type': opts.contentType ?? 'application/json', ...(signature === null ? {} : { 'x-hub-signature-256': signature }) },
    body: bytes,
    timeoutMs: 30_000,
  });
}

const ok = (events: number, why: string) => accept(200, events, why);
/** Meta retries anything but 200, and a retry cannot fix a refused item: kept aside, acknowledged. */
const keptAside = (why: string) => ok(0, `${why}; the item is kept on the rejected-input topic and the delivery acknowledged (Meta retries anything but 200)`);

function whatsappCases(): CaseSpec[] {
  const door: Door = 'meta whatsapp';
  const c = (name: string, expect: CaseSpec['expect'], body: (m: string, i: number) => Json | string | Buffer, opts: { signature?: string | null; contentType?: string } = {}, timeoutMs = 30_000): CaseSpec => ({
    door,
    name,
    expect,
    timeoutMs,
    send: (env, m, i) => {
      const b = body(m, i);
      return postMeta(env, typeof b === 'string' || Buffer.isBuffer(b) ? b : JSON.stringify(b), opts);
    },
  });
  return [
    c('a valid signed text', ok(1, 'one message.received per message'), (m, i) => waBody([waMessage(m, i)])),
    c('text just under the record limit', ok(1, 'a message that fits one Kafka record is taken'), (m, i) => waBody([waMessage(m, i, { text: { body: textOf(m, UNDER_LIMIT) } })])),
    c('text of 1.05 MB, signed (was a 503 for ever)', keptAside('too large for a Kafka record'), (m, i) => waBody([waMessage(m, i, { text: { body: textOf(m, OVER_KAFKA) } })])),
    c('a too-large text beside a valid one', ok(1, 'the valid message is appended, the too-large one kept aside'), (m, i) =>
      waBody([waMessage(`${m}a`, i), waMessage(`${m}b`, i, { text: { body: textOf(m, OVER_KAFKA) } })]),
    ),
    c('1,000 invalid messages in one body', keptAside('unreadable items are kept as one record summarising them, in one write'), (m) =>
      waBody(Array.from({ length: 1000 }, (_, n) => ({ id: `wamid.${m}.${n}`, type: 'text' }))),
    ),
    c('1,001 items (more than Meta ever batches)', refuse(413, 'too_many_items'), (m, i) => waBody(Array.from({ length: 1001 }, (_, n) => waMessage(`${m}.${n}`, i)))),
    c('10,000 invalid items (was no answer in 30 s)', refuse(413, 'too_many_items'), (m) => waBody(Array.from({ length: 10_000 }, (_, n) => ({ id: `wamid.${m}.${n}` })))),
    c('50 valid messages from 50 customers', ok(50, 'each message is its own event'), (m, i) =>
      waBody(Array.from({ length: 50 }, (_, n) => waMessage(`${m}.${String(n).padStart(3, '0')}`, 10_000 + ((i * 50 + n) % 10_000)))),
    ),
    c('unsigned', refuse(403, 'invalid_signature'), (m, i) => waBody([waMessage(m, i)]), { signature: null }),
    c('signature of another body', refuse(403, 'invalid_signature'), (m, i) => waBody([waMessage(m, i)]), { signature: metaSignature('{}') }),
    c('signature not hex', refuse(403, 'invalid_signature'), (m, i) => waBody([waMessage(m, i)]), { signature: `sha256=${'z'.repeat(64)}` }),
    c('unsigned 4 MB of nesting', refuse(403, 'invalid_signature'), () => nested(2_000_000), { signature: null }),
    c('not JSON, signed', refuse(400, 'invalid_body'), () => '{"object":"whatsapp_business_account","entry":['),
    c('a JSON array, signed', refuse(400, 'invalid_body'), (m, i) => [waBody([waMessage(m, i)])] as unknown as Json),
    c('no entry, signed', refuse(400, 'invalid_body'), () => ({ object: 'whatsapp_business_account' })),
    c('signed empty body', refuse(400, 'invalid_body'), () => ''),
    c('a body with a top-level __proto__ key', ok(1, 'fields we do not read are ignored (JSON.parse makes __proto__ an own key, harmless)'), (m, i) =>
      JSON.stringify(waBody([waMessage(m, i)])).replace(/^\{/, '{"__proto__":{"polluted":true},'),
    ),
    c('a message with __proto__ and constructor keys', ok(1, 'fields we do not read are ignored'), (m, i) =>
      JSON.stringify(waBody([waMessage(m, i)])).replace('"type":"text"', '"__proto__":{"x":1},"constructor":{"prototype":{"x":1}},"type":"text"'),
    ),
    c('phone_number_id __proto__', keptAside('no route for the id'), (m, i) => waBody([waMessage(m, i)], { phoneId: '__proto__' })),
    c('phone_number_id constructor', keptAside('no route for the id'), (m, i) => waBody([waMessage(m, i)], { phoneId: 'constructor' })),
    c('phone_number_id toString', keptAside('no route for the id'), (m, i) => waBody([waMessage(m, i)], { phoneId: 'toString' })),
    c('message type constructor', ok(1, 'an unknown kind is kept as a described message ("[constructor message]")'), (m, i) => waBody([waMessage(m, i, { type: 'constructor', text: undefined })])),
    c('message from __proto__', keptAside('the sender is no WhatsApp number'), (m) => waBody([waMessage(m, 0, { from: '__proto__' })])),
    c('status constructor', ok(0, 'an untracked status is acknowledged'), (m, i) =>
      waBody([], { statuses: [{ id: `wamid.${m}`, status: 'constructor', timestamp: '1767261600', recipient_id: waId(i) }] }),
    ),
    c('status __proto__', ok(0, 'an untracked status is acknowledged'), (m, i) => waBody([], { statuses: [{ id: `wamid.${m}`, status: '__proto__', recipient_id: waId(i) }] })),
    c('message with a 2,000-character id', keptAside('the id is longer than an event takes'), (m, i) => waBody([waMessage(`${m}${'x'.repeat(2000)}`, i)])),
    c('object user', ok(0, 'other subscriptions are acknowledged and ignored'), () => ({ object: 'user', entry: [{ id: '1', changes: [] }] })),
    c('object __proto__', ok(0, 'other subscriptions are acknowledged and ignored'), () => ({ object: '__proto__', entry: [] })),
    c('entry that is a string', keptAside('the entry is unreadable'), (m) => ({ object: 'whatsapp_business_account', entry: [`entry ${m}`] })),
    c('a value 60 deep where a message is expected', keptAside('the message is unreadable'), (m, i) =>
      JSON.stringify(waBody([waMessage(m, i)])).replace(`"text":{"body":"hello ${m}"}`, `"text":${nested(55, '"x"')}`),
    ),
  ];
}

function messagingCases(door: Door, object: 'page' | 'instagram'): CaseSpec[] {
  const c = (name: string, expect: CaseSpec['expect'], body: (m: string, i: number) => Json | string, signature?: string | null): CaseSpec => ({
    door,
    name,
    expect,
    timeoutMs: 30_000,
    send: (env, m, i) => {
      const b = body(m, i);
      return postMeta(env, typeof b === 'string' ? b : JSON.stringify(b), signature === undefined ? {} : { signature });
    },
  });
  const one = (m: string, i: number, message: Json = {}, sender?: string) => messagingBody(object, [messagingEvent(m, i, message, sender)]);
  return [
    c('a valid signed message', ok(1, 'one message.received per message'), (m, i) => one(m, i)),
    c('text just under the record limit', ok(1, 'a message that fits one Kafka record is taken'), (m, i) => one(m, i, { text: textOf(m, UNDER_LIMIT) })),
    c('text of 1.05 MB, signed', keptAside('too large for a Kafka record'), (m, i) => one(m, i, { text: textOf(m, OVER_KAFKA) })),
    c('text of 200 k control characters', keptAside('too large for a Kafka record once escaped'), (m, i) => one(m, i, { text: `${m}${'\u0003'.repeat(200_000)}` })),
    c('unsigned', refuse(403, 'invalid_signature'), (m, i) => one(m, i), null),
    c('entry id __proto__', keptAside('no route for the id'), (m, i) => messagingBody(object, [messagingEvent(m, i)], '__proto__')),
    c('entry id constructor', keptAside('no route for the id'), (m, i) => messagingBody(object, [messagingEvent(m, i)], 'constructor')),
    c('attachment of type constructor with a URL', ok(1, 'a kind we do not know is described in the text'), (m, i) =>
      one(m, i, { attachments: [{ type: 'constructor', payload: { url: 'https://cdn.example/x.bin' } }] }),
    ),
    c('attachment of type __proto__', ok(1, 'a kind we do not know is described in the text'), (m, i) => one(m, i, { attachments: [{ type: '__proto__', payload: null }] })),
    c('sender id __proto__', keptAside('PSIDs and IGSIDs are digits only'), (m, i) => one(m, i, {}, '__proto__')),
    c('sender id with spaces', keptAside('not a page-scoped id'), (m, i) => one(m, i, {}, 'not an id')),
    c('1,001 messaging events', refuse(413, 'too_many_items'), (m, i) => messagingBody(object, Array.from({ length: 1001 }, (_, n) => messagingEvent(`${m}.${n}`, i)))),
    c('1,000 unreadable messaging events', keptAside('unreadable items are summarised in one record'), (m) =>
      messagingBody(object, Array.from({ length: 1000 }, (_, n) => ({ sender: { id: `psid-${m}-${n}` }, message: { text: 'no mid' } }))),
    ),
    c('a messaging event with constructor and hasOwnProperty keys', ok(1, 'fields we do not read are ignored'), (m, i) =>
      JSON.stringify(one(m, i)).replace('"sender":', '"constructor":{"prototype":{"x":1}},"hasOwnProperty":1,"sender":'),
    ),
    c('no messaging (a feed change)', ok(0, 'entries without messaging are acknowledged'), () => ({ object, entry: [{ id: PAGE_ID, changes: [{ field: 'feed' }] }] })),
    c('echo of our own message', ok(0, 'echoes are acknowledged and ignored'), (m, i) => one(m, i, { is_echo: true })),
  ];
}

export function metaCases(): CaseSpec[] {
  const jsonExpect = (problem: 'invalid_encoding' | 'unsupported_charset' | 'too_deep' | 'empty') =>
    problem === 'empty' ? refuse(400, 'invalid_body') : problem === 'unsupported_charset' ? refuse(415, problem) : refuse(400, problem);
  const transport = (door: Door, valid: (m: string, i: number) => Json) =>
    transportCases({
      door,
      path: PATH,
      contentType: 'application/json',
      headers: (body) => ({ 'x-hub-signature-256': metaSignature(body) }),
      valid: (m, i) => Buffer.from(JSON.stringify(valid(m, i))),
      limit: 5 * 1024 * 1024,
      json: { expect: jsonExpect },
    });
  return [
    ...whatsappCases(),
    ...messagingCases('meta messenger', 'page'),
    ...messagingCases('meta instagram', 'instagram'),
    ...transport('meta whatsapp', (m, i) => waBody([waMessage(m, i)])),
    ...transport('meta messenger', (m, i) => messagingBody('page', [messagingEvent(m, i)])).filter((c) => /UTF-8|nested 10,000|short|trickled|charset=iso|empty/.test(c.name)),
    ...transport('meta instagram', (m, i) => messagingBody('instagram', [messagingEvent(m, i)])).filter((c) => /UTF-16|nested 65|trickled|media type/.test(c.name)),
  ];
}
