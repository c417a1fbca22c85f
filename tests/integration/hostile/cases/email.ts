import {
  accept,
  EMAIL_WEBHOOK_AUTH,
  http,
  refuse,
  smtp,
  smtpDelivery,
  smtpSession,
  SMTP_MAX_BYTES,
  SUPPORT,
  type CaseSpec,
  type HostileEnv,
  type SmtpStep,
} from '../support.ts';
import { transportCases } from './transport.ts';

const PATH = '/webhooks/email';
const BOUNDARY = 'hostileBoundary42';
const FORM = `multipart/form-data; boundary=${BOUNDARY}`;

export interface MailOptions {
  to?: string;
  from?: string | null;
  /** Extra header lines, placed before the body. */
  headers?: string[];
  contentType?: string;
  body?: string | Buffer;
  subject?: string;
  messageId?: string | null;
}

/** A plain message from a customer whose address and Message-ID carry the marker. */
export function mail(marker: string, o: MailOptions = {}): Buffer {
  const lines = [
    ...(o.from === null ? [] : [`From: ${o.from ?? `Customer <c${marker}@customer.test>`}`]),
    `To: ${o.to ?? SUPPORT}`,
    `Subject: ${o.subject ?? `hello ${marker}`}`,
    ...(o.messageId === null ? [] : [`Message-ID: ${o.messageId ?? `<${marker}@customer.test>`}`]),
    'Date: Thu, 01 Jan 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    ...(o.headers ?? []),
    `Content-Type: ${o.contentType ?? 'text/plain; charset=utf-8'}`,
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(lines, 'utf8'), Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body ?? `hello ${marker}\r\n`, 'utf8')]);
}

/** MIME multiparts nested `depth` deep around a text part. */
function nestedMime(marker: string, depth: number): Buffer {
  let part = `Content-Type: text/plain; charset=utf-8\r\n\r\nhello ${marker}\r\n`;
  for (let d = depth; d > 0; d--) part = `Content-Type: multipart/mixed; boundary="b${d}"\r\n\r\n--b${d}\r\n${part}\r\n--b${d}--\r\n`;
  const [headers, ...rest] = part.split('\r\n\r\n');
  return mail(marker, { contentType: headers!.replace(/^Content-Type: /, ''), body: rest.join('\r\n\r\n') });
}

function manyAttachments(marker: string, count: number): Buffer {
  const parts = Array.from({ length: count }, (_, n) => `--mix\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${n}.bin"\r\n\r\nx${n}\r\n`).join('');
  return mail(marker, { contentType: 'multipart/mixed; boundary="mix"', body: `--mix\r\nContent-Type: text/plain\r\n\r\nhello ${marker}\r\n${parts}--mix--\r\n` });
}

type Field = { name: string; value: string | Buffer; filename?: string; contentType?: string };

export function form(fields: Field[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const f of fields) {
    const disposition = `form-data; name="${f.name}"${f.filename !== undefined ? `; filename="${f.filename}"` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${f.contentType ? `Content-Type: ${f.contentType}\r\n` : ''}\r\n`));
    chunks.push(Buffer.isBuffer(f.value) ? f.value : Buffer.from(f.value, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const envelope = (to: unknown) => JSON.stringify({ to, from: 'someone@customer.test' });

const postMail = (env: HostileEnv, body: Buffer, contentType = 'message/rfc822', auth: string | null = EMAIL_WEBHOOK_AUTH) =>
  http(env, { path: PATH, headers: { 'content-type': contentType, ...(auth === null ? {} : { authorization: auth }) }, body, timeoutMs: 20_000 });

const accepted = (why: string) => accept(200, 1, why);
const rejected = refuse(400, 'email_rejected');

function webhookCases(): CaseSpec[] {
  const door = 'email webhook' as const;
  const raw = (name: string, expect: CaseSpec['expect'], body: (m: string) => Buffer, auth: string | null = EMAIL_WEBHOOK_AUTH): CaseSpec => ({
    door,
    name: `raw message: ${name}`,
    expect,
    timeoutMs: 20_000,
    send: (env, m) => postMail(env, body(m), 'message/rfc822', auth),
  });
  const sendgrid = (name: string, expect: CaseSpec['expect'], fields: (m: string) => Field[], contentType = FORM): CaseSpec => ({
    door,
    name: `SendGrid form: ${name}`,
    expect,
    timeoutMs: 20_000,
    send: (env, m) => postMail(env, form(fields(m)), contentType),
  });
  const rawMode = (m: string, o: MailOptions = {}, to: unknown = [SUPPORT]): Field[] => [
    { name: 'envelope', value: envelope(to) },
    { name: 'email', value: mail(m, o) },
  ];
  return [
    raw('a valid message', accepted('one message.received once Kafka acknowledged'), (m) => mail(m)),
    raw('no basic auth', refuse(403, 'forbidden'), (m) => mail(m), null),
    raw('the wrong password', refuse(403, 'forbidden'), (m) => mail(m), `Basic ${Buffer.from('sendgrid:guess').toString('base64')}`),
    raw('password __proto__', refuse(403, 'forbidden'), (m) => mail(m), `Basic ${Buffer.from('__proto__:__proto__').toString('base64')}`),
    raw('basic auth that is not base64', refuse(403, 'forbidden'), (m) => mail(m), 'Basic %%%%'),
    raw('To: __proto__ (was tenant "Object")', rejected, (m) => mail(m, { to: '__proto__' })),
    raw('To: constructor', rejected, (m) => mail(m, { to: 'constructor' })),
    raw('Delivered-To: constructor, To: toString', rejected, (m) => mail(m, { to: 'toString', headers: ['Delivered-To: constructor'] })),
    raw('X-Original-To: __proto__, To: hasOwnProperty', rejected, (m) => mail(m, { to: 'hasOwnProperty', headers: ['X-Original-To: __proto__'] })),
    raw('To: __proto__@hostile.test', rejected, (m) => mail(m, { to: '__proto__@hostile.test' })),
    raw('To: support+__proto__@hostile.test', accepted('a sub-address token is text; __proto__ is a token like any other'), (m) => mail(m, { to: 'support+__proto__@hostile.test' })),
    raw('To: constructor, Cc: our support address', accepted('the support address among the recipients decides'), (m) => mail(m, { to: 'constructor', headers: [`Cc: ${SUPPORT}`] })),
    raw('no From', refuse(400, 'email_rejected'), (m) => mail(m, { from: null })),
    raw('From: __proto__', rejected, (m) => mail(m, { from: '__proto__' })),
    raw('binary garbage', rejected, () => Buffer.from(Array.from({ length: 4096 }, (_, n) => (n * 131) % 256))),
    raw('a Subject of 1 MB', accepted('the subject is cut to 998 characters'), (m) => mail(m, { subject: `hello ${m} ${'s'.repeat(1_000_000)}` })),
    raw('a 1 MB header line nobody reads', accepted('unread headers are ignored'), (m) => mail(m, { headers: [`X-Junk: ${'j'.repeat(1_000_000)}`] })),
    raw('10,000 header lines', accepted('unread headers are ignored'), (m) => mail(m, { headers: Array.from({ length: 10_000 }, (_, n) => `X-H${n}: v`) })),
    raw('a text body of 1.5 MB', accepted('the text is cut to 64 k characters; the original is stored whole'), (m) => mail(m, { body: `hello ${m} ${'b'.repeat(1_500_000)}` })),
    raw('a body of 1 MB of control characters', accepted('cut to 64 k characters, it fits one record escaped'), (m) => mail(m, { body: `hello ${m} ${'\u0001'.repeat(1_000_000)}` })),
    raw('bytes that are not UTF-8 under charset=utf-8', accepted('mail names its own charset; undecodable bytes become U+FFFD, the original is stored whole'), (m) =>
      mail(m, { body: Buffer.concat([Buffer.from(`hello ${m} `), Buffer.from([0xff, 0xfe, 0xc0, 0xaf, 0x80])]) }),
    ),
    raw('charset=x-no-such-charset', accepted('an unknown charset is read as UTF-8'), (m) => mail(m, { contentType: 'text/plain; charset=x-no-such-charset' })),
    raw('charset=utf-7 with shifted text', accepted('decoded by the charset named'), (m) => mail(m, { contentType: 'text/plain; charset=utf-7', body: `hello ${m} +AGQ-\r\n` })),
    raw('base64 body that is not base64', accepted('undecodable transfer encoding leaves what can be read'), (m) => mail(m, { headers: ['Content-Transfer-Encoding: base64'], body: `hello ${m} !!!@@@###\r\n` })),
    raw('multipart without a boundary', accepted('read as one part'), (m) => mail(m, { contentType: 'multipart/mixed', body: `hello ${m}\r\n` })),
    raw('multipart whose boundary never appears', accepted('read as one part'), (m) => mail(m, { contentType: 'multipart/mixed; boundary="never"', body: `hello ${m}\r\n` })),
    raw('MIME nested 50 deep', accepted('nesting is read through'), (m) => nestedMime(m, 50)),
    raw('MIME nested 2,000 deep', rejected, (m) => nestedMime(m, 2000)),
    raw('150 attachments', accepted('the first 100 are listed; the original is stored whole'), (m) => manyAttachments(m, 150)),
    raw('2,000 attachments', rejected, (m) => manyAttachments(m, 2000)),
    raw('a Message-ID of 5,000 characters', accepted('an unusable Message-ID gives way to the hash of the message'), (m) => mail(m, { messageId: `<${m}${'i'.repeat(5000)}@customer.test>` })),
    raw('a Date in the year 99999', accepted('an incredible Date gives way to the receipt time'), (m) => mail(m, { headers: ['Date: Mon, 01 Jan 99999 00:00:00 +0000'] })),
    raw('NUL bytes in the body', accepted('the text keeps what it can'), (m) => mail(m, { body: Buffer.concat([Buffer.from(`hello ${m} `), Buffer.alloc(1000)]) })),
    raw('empty body', rejected, () => Buffer.alloc(0)),
    sendgrid('raw mode', accepted('the email field is the MIME message'), (m) => rawMode(m)),
    sendgrid('parsed mode', accepted('the fields are the message'), (m) => [
      { name: 'envelope', value: envelope([SUPPORT]) },
      { name: 'headers', value: `From: c${m}@customer.test\r\nTo: ${SUPPORT}\r\nSubject: hi ${m}\r\nMessage-ID: <${m}@customer.test>\r\n` },
      { name: 'text', value: `hello ${m}` },
      { name: 'charsets', value: JSON.stringify({ text: 'utf-8', headers: 'utf-8' }) },
    ]),
    sendgrid('parsed mode, charsets naming no charset and __proto__', accepted('an unknown charset is read as UTF-8'), (m) => [
      { name: 'envelope', value: envelope([SUPPORT]) },
      { name: 'headers', value: `From: c${m}@customer.test\r\nTo: ${SUPPORT}\r\nMessage-ID: <${m}@customer.test>\r\n` },
      { name: 'text', value: `hello ${m}` },
      { name: 'charsets', value: '{"text":"x-bogus","__proto__":"utf-16le","constructor":"utf-16le"}' },
    ]),
    sendgrid('parsed mode, attachment-info keyed __proto__ and constructor', accepted('files are described by their own key only'), (m) => [
      { name: 'envelope', value: envelope([SUPPORT]) },
      { name: 'headers', value: `From: c${m}@customer.test\r\nTo: ${SUPPORT}\r\nMessage-ID: <${m}@customer.test>\r\n` },
      { name: 'text', value: `hello ${m}` },
      { name: 'attachment-info', value: '{"__proto__":{"filename":"evil"},"constructor":{"filename":"evil2"}}' },
      { name: 'constructor', value: 'file one', filename: 'a.txt', contentType: 'text/plain' },
      { name: 'toString', value: 'file two', filename: 'b.txt', contentType: 'text/plain' },
    ]),
    sendgrid('parsed mode, headers To: __proto__ and no envelope', rejected, (m) => [
      { name: 'headers', value: `From: c${m}@customer.test\r\nTo: __proto__\r\nMessage-ID: <${m}@customer.test>\r\n` },
      { name: 'text', value: `hello ${m}` },
    ]),
    sendgrid('envelope to __proto__ (not a list)', accepted('an unusable envelope gives way to the headers'), (m) => rawMode(m, {}, '__proto__')),
    sendgrid('envelope to ["__proto__", "constructor"], headers To: toString', rejected, (m) => rawMode(m, { to: 'toString' }, ['__proto__', 'constructor'])),
    sendgrid('envelope that is not JSON', rejected, (m) => [{ name: 'envelope', value: '{to:' }, { name: 'email', value: mail(m) }]),
    sendgrid('envelope nested 100,000 deep', accepted('an envelope that is no object gives way to the headers (parsed iteratively, never serialised)'), (m) => [{ name: 'envelope', value: '['.repeat(100_000) + ']'.repeat(100_000) }, { name: 'email', value: mail(m) }]),
    sendgrid('fields named __proto__ and constructor beside raw mode', accepted('field names are keys of a Map'), (m) => [
      { name: '__proto__', value: 'x' },
      { name: 'constructor', value: 'y' },
      ...rawMode(m),
    ]),
    sendgrid('neither email nor headers', rejected, () => [{ name: 'text', value: 'hello' }]),
    sendgrid('300 fields', rejected, (m) => [...rawMode(m), ...Array.from({ length: 300 }, (_, n) => ({ name: `f${n}`, value: 'v' }))]),
    sendgrid('no boundary in the content type', rejected, (m) => rawMode(m), 'multipart/form-data'),
    sendgrid('a boundary the body does not use', rejected, (m) => rawMode(m), 'multipart/form-data; boundary=other'),
    {
      door,
      name: 'SendGrid form: cut off in the middle of a part',
      expect: rejected,
      send: (env, m) => postMail(env, form(rawMode(m)).subarray(0, 300), FORM),
    },
    {
      door,
      name: 'SendGrid form: a part header of 100 kB',
      expect: rejected,
      send: (env, m) => postMail(env, Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${'n'.repeat(100_000)}"\r\n\r\nx\r\n`), form(rawMode(m))]), FORM),
    },
  ];
}

function smtpCases(): CaseSpec[] {
  const door = 'smtp' as const;
  const c = (name: string, expect: CaseSpec['expect'], steps: (m: string) => SmtpStep[], timeoutMs = 15_000): CaseSpec => ({
    door,
    name,
    expect,
    timeoutMs,
    send: (env, m) => smtpSession(env, steps(m), timeoutMs),
  });
  const deliver = (m: string, o: MailOptions = {}, rcpt = [SUPPORT]) => smtpDelivery(`c${m}@customer.test`, rcpt, mail(m, o));
  const lastData = (steps: SmtpStep[]) => steps.slice(0, -1);
  const rcptOnly = (rcpt: string): SmtpStep[] => [
    { send: 'EHLO hostile.test\r\n', expect: 250 },
    { send: 'MAIL FROM:<someone@customer.test>\r\n', expect: 250 },
    { send: `RCPT TO:<${rcpt}>\r\n` },
  ];
  return [
    c('a valid message', smtp(250, 1, 'acknowledged once on the log'), (m) => lastData(deliver(m))),
    c('RCPT TO:<__proto__>', smtp(501), () => rcptOnly('__proto__')),
    c('RCPT TO:<constructor>', smtp(501), () => rcptOnly('constructor')),
    c('RCPT TO:<toString@hostile.test>', smtp(550), () => rcptOnly('toString@hostile.test')),
    c('RCPT TO:<__proto__@hostile.test>', smtp(550), () => rcptOnly('__proto__@hostile.test')),
    c('RCPT TO:<support+__proto__@hostile.test>', smtp(250, 1, 'a sub-address token is text'), (m) => lastData(deliver(m, {}, ['support+__proto__@hostile.test']))),
    c('header To: __proto__, envelope to our address', smtp(250, 1, 'the envelope decides'), (m) => lastData(deliver(m, { to: '__proto__' }))),
    c('no From header', smtp(554), (m) => lastData(deliver(m, { from: null }))),
    c('a message over the size limit', smtp(552), (m) => lastData(deliver(m, { body: `hello ${m} ${'x'.repeat(SMTP_MAX_BYTES + 10_000)}` })), 20_000),
    c('MAIL FROM with SIZE over the limit', smtp(552), () => [
      { send: 'EHLO hostile.test\r\n', expect: 250 },
      { send: `MAIL FROM:<someone@customer.test> SIZE=${SMTP_MAX_BYTES * 100}\r\n` },
    ]),
    c('bytes that are not UTF-8 in the body', smtp(250, 1, 'mail names its own charset; undecodable bytes become U+FFFD'), (m) =>
      lastData(deliver(m, { body: Buffer.concat([Buffer.from(`hello ${m} `), Buffer.from([0xff, 0xc0, 0x80, 0xfe])]) })),
    ),
    c('100 RCPT TO of our one address', smtp(250, 1, 'one event per tenant, however many recipients'), (m) => lastData(deliver(m, {}, Array.from({ length: 100 }, () => SUPPORT)))),
    c('DATA before any RCPT', smtp(503), () => [
      { send: 'EHLO hostile.test\r\n', expect: 250 },
      { send: 'MAIL FROM:<someone@customer.test>\r\n', expect: 250 },
      { send: 'DATA\r\n' },
    ]),
    c('AUTH (disabled)', smtp(500), () => [{ send: 'EHLO hostile.test\r\n', expect: 250 }, { send: 'AUTH PLAIN AGhlbGxvAHdvcmxk\r\n' }]),
    c('STARTTLS (disabled)', smtp(500), () => [{ send: 'EHLO hostile.test\r\n', expect: 250 }, { send: 'STARTTLS\r\n' }]),
    c('a command of 100 kB', smtp(421), () => [{ send: `EHLO ${'h'.repeat(100_000)}\r\n` }]),
    c('an unknown command', smtp(500), () => [{ send: 'HACK __proto__\r\n' }]),
    c('a line of 1 MB in DATA', smtp(250, 1, 'long lines are taken as they come'), (m) => lastData(deliver(m, { body: `hello ${m} ${'L'.repeat(1_000_000)}\r\n` })), 20_000),
    c('MIME nested 2,000 deep', smtp(554), (m) => lastData(smtpDelivery(`c${m}@customer.test`, [SUPPORT], nestedMime(m, 2000)))),
    c('the client goes away in the middle of DATA', smtp(354, 0, 'nothing is appended for a message that never ended'), (m) => [
      { send: 'EHLO hostile.test\r\n', expect: 250 },
      { send: `MAIL FROM:<c${m}@customer.test>\r\n`, expect: 250 },
      { send: `RCPT TO:<${SUPPORT}>\r\n`, expect: 250 },
      { send: 'DATA\r\n', expect: 354 },
      { wait: 10 },
    ]),
    c('a second mail smuggled behind <LF>.<CR><LF>', smtp(250, 1, 'only the end-of-data sequence CRLF.CRLF ends a message: one mail'), (m) => [
      { send: 'EHLO hostile.test\r\n', expect: 250 },
      { send: `MAIL FROM:<c${m}@customer.test>\r\n`, expect: 250 },
      { send: `RCPT TO:<${SUPPORT}>\r\n`, expect: 250 },
      { send: 'DATA\r\n', expect: 354 },
      {
        send: Buffer.concat([
          mail(m),
          Buffer.from(`\n.\r\nMAIL FROM:<c${m}x@customer.test>\r\nRCPT TO:<${SUPPORT}>\r\nDATA\r\nFrom: c${m}x@customer.test\r\nTo: ${SUPPORT}\r\nMessage-ID: <${m}x@c>\r\n\r\nsmuggled\r\n.\r\n`),
        ]),
      },
    ]),
    c('ten mails in one session', smtp(250, 10, 'each mail is its own event'), (m) => [
      { send: 'EHLO hostile.test\r\n', expect: 250 },
      ...Array.from({ length: 10 }, (_, n) => deliver(`${m}n${n}`).slice(1, -1)).flat(),
    ]),
  ];
}

export function emailCases(): CaseSpec[] {
  const limit = SMTP_MAX_BYTES + 1024 * 1024;
  return [
    ...webhookCases(),
    ...smtpCases(),
    ...transportCases({ door: 'email webhook', path: PATH, contentType: 'message/rfc822', headers: () => ({ authorization: EMAIL_WEBHOOK_AUTH }), valid: (m) => mail(m), limit }),
  ];
}
