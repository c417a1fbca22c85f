import {
  accept,
  ACCOUNT_SID,
  formBody,
  http,
  OUR_NUMBER,
  OVER_KAFKA,
  phone,
  refuse,
  textOf,
  twilioHeaders,
  UNDER_LIMIT,
  type CaseSpec,
  type Door,
  type HostileEnv,
} from '../support.ts';
import { transportCases } from './transport.ts';

const SMS = '/webhooks/twilio/sms';
const STATUS = '/webhooks/twilio/status';

type Params = Array<[string, string]>;

/** What Twilio posts for an inbound message, the marker in its SID and text. */
export function inbound(marker: string, index: number, overrides: Record<string, string> = {}, whatsapp = false): Params {
  const sid = `SM${marker}`;
  const base: Record<string, string> = {
    ToCountry: 'US',
    SmsMessageSid: sid,
    NumMedia: '0',
    SmsSid: sid,
    SmsStatus: 'received',
    Body: `hello ${marker}`,
    To: whatsapp ? `whatsapp:${OUR_NUMBER}` : OUR_NUMBER,
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: ACCOUNT_SID,
    From: whatsapp ? `whatsapp:${phone(index)}` : phone(index),
    ApiVersion: '2010-04-01',
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === '\u0000delete') delete base[k];
    else base[k] = v;
  }
  return Object.entries(base);
}

const statusParams = (marker: string, index: number, overrides: Record<string, string> = {}): Params => {
  const base: Record<string, string> = { MessageSid: `SM${marker}`, MessageStatus: 'delivered', AccountSid: ACCOUNT_SID, To: phone(index), From: OUR_NUMBER, ApiVersion: '2010-04-01' };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === '\u0000delete') delete base[k];
    else base[k] = v;
  }
  return Object.entries(base);
};

/** Posts a form, signed as Twilio signs it unless told otherwise. */
async function postForm(env: HostileEnv, path: string, params: Params, opts: { signed?: boolean; contentType?: string; body?: string | Buffer } = {}) {
  const headers = opts.signed === false ? { 'content-type': 'application/x-www-form-urlencoded' } : twilioHeaders(path, params);
  if (opts.contentType) headers['content-type'] = opts.contentType;
  return http(env, { path, headers, body: opts.body ?? formBody(params), timeoutMs: 20_000 });
}

const del = '\u0000delete';

function smsCases(door: Door, whatsapp: boolean): CaseSpec[] {
  const c = (name: string, expect: CaseSpec['expect'], params: (m: string, i: number) => Params, opts: { signed?: boolean; contentType?: string; body?: (m: string, i: number) => string | Buffer } = {}): CaseSpec => ({
    door,
    name,
    expect,
    timeoutMs: 20_000,
    send: (env, m, i) => {
      const { body, ...rest } = opts;
      return postForm(env, SMS, params(m, i), { ...rest, ...(body ? { body: body(m, i) } : {}) });
    },
  });
  const msg = (m: string, i: number, o: Record<string, string> = {}) => inbound(m, i, o, whatsapp);
  const invalid = refuse(400, 'invalid_message');
  return [
    c('a valid signed message', accept(200, 1, 'answered with empty TwiML once on the log'), (m, i) => msg(m, i)),
    c('Body just under the record limit', accept(200, 1, 'a message that fits one Kafka record is taken'), (m, i) => msg(m, i, { Body: textOf(m, UNDER_LIMIT) })),
    c('Body of 1.05 MB, signed', refuse(413, 'message_too_large'), (m, i) => msg(m, i, { Body: textOf(m, OVER_KAFKA) })),
    c('Body of 1,000,001 bytes in emoji, signed', refuse(413, 'message_too_large'), (m, i) => msg(m, i, { Body: textOf(m, 1_000_001, '😀') })),
    c('Body of 200 k control characters (1.2 MB escaped), signed', refuse(413, 'message_too_large'), (m, i) => msg(m, i, { Body: `${m}${'\u0002'.repeat(200_000)}` })),
    c('unsigned', refuse(403, 'invalid_signature'), (m, i) => msg(m, i), { signed: false }),
    c('signed, then a parameter changed', refuse(403, 'invalid_signature'), (m, i) => msg(m, i), { body: (m, i) => formBody(msg(m, i, { Body: 'tampered' })) }),
    c('key __proto__, unsigned (was a 500 before the signature check)', refuse(403, 'invalid_signature'), (m, i) => [['__proto__', 'x'], ...msg(m, i)], { signed: false }),
    c('key constructor, unsigned', refuse(403, 'invalid_signature'), (m, i) => [['constructor', 'x'], ...msg(m, i)], { signed: false }),
    c('key hasOwnProperty, unsigned', refuse(403, 'invalid_signature'), (m, i) => [['hasOwnProperty', 'x'], ...msg(m, i)], { signed: false }),
    c('key toString, unsigned', refuse(403, 'invalid_signature'), (m, i) => [['toString', 'x'], ...msg(m, i)], { signed: false }),
    c('keys __proto__ and constructor only', refuse(403, 'unknown_account'), () => [['__proto__', 'a'], ['constructor', 'b'], ['__proto__', 'c']], { signed: false }),
    c('keys __proto__, constructor, valueOf, signed with a real message', accept(200, 1, 'parameters we do not read are signed and ignored'), (m, i) => [['__proto__', 'a'], ['constructor', 'b'], ['valueOf', 'c'], ...msg(m, i)]),
    c('AccountSid __proto__', refuse(403, 'unknown_account'), (m, i) => msg(m, i, { AccountSid: '__proto__' }), { signed: false }),
    c('AccountSid constructor', refuse(403, 'unknown_account'), (m, i) => msg(m, i, { AccountSid: 'constructor' }), { signed: false }),
    c('AccountSid toString', refuse(403, 'unknown_account'), (m, i) => msg(m, i, { AccountSid: 'toString' }), { signed: false }),
    c('AccountSid of 1 MB', refuse(403, 'unknown_account'), (m, i) => msg(m, i, { AccountSid: 'AC'.padEnd(1_000_000, 'f') }), { signed: false }),
    c('no AccountSid', refuse(403, 'unknown_account'), (m, i) => msg(m, i, { AccountSid: del })),
    c('50,000 parameters, unsigned', refuse(403, 'invalid_signature'), (m, i) => [...msg(m, i), ...Array.from({ length: 50_000 }, (_, n): [string, string] => [`p${n}`, 'v'])], { signed: false }),
    c('no MessageSid', invalid, (m, i) => msg(m, i, { MessageSid: del, SmsMessageSid: del, SmsSid: del, Body: `no sid ${m}` })),
    c('no From', invalid, (m, i) => msg(m, i, { From: del })),
    c('From is not a phone number', invalid, (m, i) => msg(m, i, { From: whatsapp ? 'whatsapp:__proto__' : '__proto__' })),
    c('From with a trailing NUL', accept(200, 1, 'the number is read out of the text as libphonenumber reads it; the handle stored is E.164'), (m, i) => msg(m, i, { From: `${phone(i)}\u0000` })),
    c('From of letters and control characters', invalid, (m, i) => msg(m, i, { From: `\u0001\u0002abc${m}` })),
    c('empty Body and no media', invalid, (m, i) => msg(m, i, { Body: '' })),
    // A media count that disagrees with the media fields loses no text: the message is kept with
    // the media its fields give, and the disagreement goes on the rejected-input topic beside it.
    c('NumMedia 1000', accept(200, 1, 'the text is kept; NumMedia is checked against the media present'), (m, i) => msg(m, i, { NumMedia: '1000' })),
    c('NumMedia not a number', accept(200, 1, 'the text is kept; NumMedia is checked against the media present'), (m, i) => msg(m, i, { NumMedia: 'constructor' })),
    c('NumMedia 2 with one media', accept(200, 1, 'the text and the one media are kept'), (m, i) => msg(m, i, { NumMedia: '2', MediaUrl0: 'https://api.twilio.com/m/ME1', MediaContentType0: 'image/jpeg' })),
    c('a MessageSid of 2,000 characters', invalid, (m, i) => msg(m, i, { MessageSid: `SM${m}${'x'.repeat(2000)}`, SmsMessageSid: del, SmsSid: del })),
    c('Body given twice', accept(200, 1, 'the first value of a repeated parameter is read, as Twilio sends each once'), (m, i) => [...msg(m, i), ['Body', 'second']]),
    c(
      'percent-escaped bytes that are not UTF-8, signed',
      refuse(400, 'invalid_encoding'),
      (m, i) => msg(m, i),
      { body: (m, i) => formBody(msg(m, i)).replace(`hello+${m}`, `hello+${m}%FF%FE`) },
    ),
    c('raw bytes that are not UTF-8', refuse(400, 'invalid_encoding'), (m, i) => msg(m, i), {
      body: (m, i) => Buffer.concat([Buffer.from(formBody(msg(m, i))), Buffer.from('&Extra=\xc3\x28', 'latin1')]),
    }),
    c('a lone % and %zz in values, signed', accept(200, 1, 'form decoding keeps a % that starts no escape'), (m, i) => msg(m, i, { Body: `100% sure %zz ${m}` })),
    c('charset=iso-8859-1 named', refuse(415, 'unsupported_charset'), (m, i) => msg(m, i), { contentType: 'application/x-www-form-urlencoded; charset=iso-8859-1' }),
    c('a JSON body', refuse(415, 'unsupported_media_type'), (m, i) => msg(m, i), { contentType: 'application/json', body: (m) => JSON.stringify({ Body: m }) }),
  ];
}

function statusCases(): CaseSpec[] {
  const door = 'twilio status' as const;
  const c = (name: string, expect: CaseSpec['expect'], params: (m: string, i: number) => Params, signed = true): CaseSpec => ({
    door,
    name,
    expect,
    send: (env, m, i) => postForm(env, STATUS, params(m, i), { signed }),
  });
  const ignored = (why: string) => accept(200, 0, why);
  return [
    c('delivered, for a number that is no customer of ours', ignored('a report on a number we never saw is acknowledged and skipped'), (m, i) => statusParams(m, i)),
    c('MessageStatus __proto__', ignored('an untracked status is acknowledged and skipped'), (m, i) => statusParams(m, i, { MessageStatus: '__proto__' })),
    c('MessageStatus constructor', ignored('an untracked status is acknowledged and skipped'), (m, i) => statusParams(m, i, { MessageStatus: 'constructor' })),
    c('MessageStatus toString', ignored('an untracked status is acknowledged and skipped'), (m, i) => statusParams(m, i, { MessageStatus: 'toString' })),
    c('MessageStatus hasOwnProperty', ignored('an untracked status is acknowledged and skipped'), (m, i) => statusParams(m, i, { MessageStatus: 'hasOwnProperty' })),
    c('MessageStatus of 100 kB', ignored('an untracked status is acknowledged and skipped'), (m, i) => statusParams(m, i, { MessageStatus: 'x'.repeat(100_000) })),
    c('To __proto__', ignored('a To that is no phone number is skipped'), (m, i) => statusParams(m, i, { To: '__proto__' })),
    c('no MessageSid', refuse(400, 'invalid_status'), (m, i) => statusParams(m, i, { MessageSid: del })),
    c('no MessageStatus', refuse(400, 'invalid_status'), (m, i) => statusParams(m, i, { MessageStatus: del })),
    c('unsigned', refuse(403, 'invalid_signature'), (m, i) => statusParams(m, i), false),
    c('key __proto__, unsigned', refuse(403, 'invalid_signature'), (m, i) => [['__proto__', '1'], ...statusParams(m, i)], false),
    c('key constructor, unsigned', refuse(403, 'invalid_signature'), (m, i) => [['constructor', '1'], ...statusParams(m, i)], false),
    {
      door,
      name: 'failed, for a customer we know, with an ErrorMessage of 1 MB',
      expect: accept(200, 2, 'the message, then its status report; the error text is cut to 1,000 characters'),
      timeoutMs: 20_000,
      send: async (env, m, i) => {
        const first = await postForm(env, SMS, inbound(m, i));
        if (first.status !== 200) return first;
        return postForm(env, STATUS, statusParams(m, i, { MessageStatus: 'failed', ErrorCode: '30003', ErrorMessage: 'e'.repeat(1_000_000) }));
      },
    },
    {
      door,
      name: 'delivered, for a customer we know, reported three times',
      expect: accept(200, 2, 'one status event id whatever the retries (derived from the SID and status): a retry may append it again, the fold keeps one'),
      send: async (env, m, i) => {
        const first = await postForm(env, SMS, inbound(m, i));
        if (first.status !== 200) return first;
        await postForm(env, STATUS, statusParams(m, i));
        await postForm(env, STATUS, statusParams(m, i));
        return postForm(env, STATUS, statusParams(m, i));
      },
    },
  ];
}

export function twilioCases(): CaseSpec[] {
  const form = (door: Door, path: string, whatsapp: boolean) =>
    transportCases({ door, path, contentType: 'application/x-www-form-urlencoded', valid: (m, i) => Buffer.from(formBody(inbound(m, i, {}, whatsapp))), limit: 5 * 1024 * 1024 });
  return [
    ...smsCases('twilio sms', false),
    ...smsCases('twilio whatsapp', true).filter((c) => !/^(key |AccountSid|50,000|NumMedia|a JSON body|charset)/.test(c.name)),
    ...statusCases(),
    ...form('twilio sms', SMS, false),
    ...form('twilio status', STATUS, false).filter((c) => /short|trickled|Content-Length over|media type/.test(c.name)),
  ];
}
