/**
 * Stand-ins for the providers the engine sends through, for the demo and the specs: an HTTP server
 * answering like Twilio's Messages API and Meta's Graph API, and an SMTP server receiving our mail.
 * Both speak the real protocols (the outbound connectors cannot tell), record what they received,
 * and tell listeners about it, so a simulated phone or mailbox can read what the engine sent.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { SMTPServer } from 'smtp-server';

/** One call a provider API received, as the provider would see it. */
export interface RecordedCall {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  idempotencyToken: string | undefined;
  body: string;
}

export type Answer = { status: number; json: unknown };

export type ProviderApis = Awaited<ReturnType<typeof startProviderApis>>;

/**
 * A local HTTP server speaking like Twilio's Messages API and Meta's Graph API (the answers'
 * shapes are the providers'), recording every call. `script` overrides the answer per call;
 * `onCall` listeners hear every call after it was answered.
 */
export async function startProviderApis(options: { host?: string } = {}) {
  const calls: RecordedCall[] = [];
  const listeners: Array<(call: RecordedCall) => void> = [];
  let script: ((call: RecordedCall, n: number) => Answer | undefined) | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: RecordedCall = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        idempotencyToken: req.headers['i-twilio-idempotency-token'] as string | undefined,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      calls.push(call);
      const answer = script?.(call, calls.length) ?? providerAnswer(call);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
      if (answer.status < 300) for (const listener of listeners) listener(call);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((r) => server.listen(0, host, r));
  const address = server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    calls,
    script(fn: typeof script) {
      script = fn;
    },
    /** Hears every call answered 2xx (a message the provider took). */
    onCall(listener: (call: RecordedCall) => void) {
      listeners.push(listener);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function providerAnswer(call: RecordedCall): Answer {
  if (call.path.includes('/Messages.json')) {
    const form = new URLSearchParams(call.body);
    return { status: 201, json: { sid: `SM${randomBytes(16).toString('hex')}`, status: 'queued', to: form.get('To'), from: form.get('From'), body: form.get('Body') } };
  }
  if (call.path.endsWith('/me/messages')) {
    const body = JSON.parse(call.body) as { recipient: { id: string } };
    return { status: 200, json: { recipient_id: body.recipient.id, message_id: `m_${randomBytes(12).toString('hex')}` } };
  }
  if (call.path.endsWith('/messages')) {
    // A send to a business-scoped user id names it as `recipient`, and Meta answers with user_id (issue #16).
    const body = JSON.parse(call.body) as { to?: string; recipient?: string };
    const contact = body.to !== undefined ? { input: body.to, wa_id: body.to } : { input: body.recipient, user_id: body.recipient };
    return { status: 200, json: { messaging_product: 'whatsapp', contacts: [contact], messages: [{ id: `wamid.${randomBytes(12).toString('hex')}` }] } };
  }
  return { status: 404, json: { error: { message: 'unknown path', code: 100 } } };
}

/** An SMS or WhatsApp text a provider stand-in was asked to send: who to, and what. */
export interface ProviderMessage {
  channel: 'sms' | 'whatsapp';
  /** E.164 for SMS; WhatsApp ids are the digits without the plus. */
  to: string;
  text: string;
}

/** What a recorded call sends to a customer's phone, or null for any other call. */
export function messageOfCall(call: RecordedCall): ProviderMessage | null {
  if (call.path.includes('/Messages.json')) {
    const form = new URLSearchParams(call.body);
    return { channel: 'sms', to: form.get('To') ?? '', text: form.get('Body') ?? '' };
  }
  if (call.path.endsWith('/messages') && !call.path.endsWith('/me/messages')) {
    const body = JSON.parse(call.body) as { to?: string; recipient?: string; text?: { body?: string } };
    return { channel: 'whatsapp', to: body.to ?? body.recipient ?? '', text: body.text?.body ?? '' };
  }
  return null;
}

export interface ReceivedMail {
  from: string;
  to: string[];
  headers: Map<string, string>;
  raw: string;
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>;

/** A local SMTP server (smtp-server speaks the real protocol) keeping every mail it accepts. */
export async function startSmtpSink(options: { host?: string } = {}) {
  const mails: ReceivedMail[] = [];
  const listeners: Array<(mail: ReceivedMail) => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    // No TLS locally: nodemailer would upgrade and refuse the self-signed certificate.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          headers: headersOf(raw),
          raw,
        };
        mails.push(mail);
        callback();
        for (const listener of listeners) listener(mail);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, options.host ?? '127.0.0.1', r));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    mails,
    /** Hears every mail accepted. */
    onMail(listener: (mail: ReceivedMail) => void) {
      listeners.push(listener);
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Header name (lower-case) -> unfolded value, from a raw RFC 5322 message. */
export function headersOf(raw: string): Map<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const out = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}
