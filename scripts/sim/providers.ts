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
 * shapes are the providers'), recording every call. What it took (a send answered 2xx) it lists
 * again as the providers do: Twilio's Messages list (`GET .../Messages.json?To=&From=&PageSize=`)
 * and Graph's conversations (`GET /me/conversations?user_id=&fields=messages...`). `script`
 * overrides the answer per call; `hang` makes a send it takes go unanswered (the provider took the
 * message, its answer never arrives); `onCall` listeners hear every send it took.
 */
export async function startProviderApis(options: { host?: string } = {}) {
  const calls: RecordedCall[] = [];
  const taken = new Taken();
  const listeners: Array<(call: RecordedCall) => void> = [];
  let script: ((call: RecordedCall, n: number) => Answer | undefined) | undefined;
  let hang: ((call: RecordedCall) => boolean) | undefined;
  const unanswered = new Set<ServerResponse>();
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
      const answer = script?.(call, calls.length) ?? providerAnswer(call, taken);
      const took = call.method === 'POST' && answer.status < 300;
      if (took) taken.add(call, answer.json);
      if (took && hang?.(call)) {
        // Taken, and the answer never sent: the caller learns nothing until it gives up (or dies).
        unanswered.add(res);
        res.on('close', () => unanswered.delete(res));
      } else {
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
      }
      if (took) for (const listener of listeners) listener(call);
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
    /** The id the stand-in gave a send it took (SID, mid, wamid), answered or not. */
    providerIdOf: (call: RecordedCall): string | undefined => taken.ids.get(call),
    /** Sends matching `match` are taken (recorded, listed) but never answered; undefined answers all again. */
    hang(match: typeof hang) {
      hang = match;
    },
    /** Hears every send answered 2xx, or taken and left unanswered (a message the provider took). */
    onCall(listener: (call: RecordedCall) => void) {
      listeners.push(listener);
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of unanswered) res.destroy();
        server.close(() => r());
      }),
  };
}

function providerAnswer(call: RecordedCall, taken: Taken): Answer {
  const url = new URL(call.path, 'http://provider.test');
  if (call.method === 'GET' && url.pathname.endsWith('/Messages.json')) return { status: 200, json: taken.twilioPage(url) };
  if (call.method === 'GET' && url.pathname.endsWith('/me/conversations')) return { status: 200, json: taken.graphConversations(url) };
  if (call.method !== 'POST') return { status: 404, json: { error: { message: 'unknown path', code: 100 } } };
  if (call.path.includes('/Messages.json')) {
    const form = new URLSearchParams(call.body);
    const created = rfc2822(new Date());
    const accountSid = /\/Accounts\/([^/]+)\//.exec(url.pathname)?.[1] ?? '';
    const sid = `SM${randomBytes(16).toString('hex')}`;
    // The Message resource as Twilio's create (and list) answer it.
    return {
      status: 201,
      json: {
        account_sid: accountSid,
        api_version: '2010-04-01',
        body: form.get('Body'),
        date_created: created,
        date_sent: null,
        date_updated: created,
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: form.get('From'),
        messaging_service_sid: null,
        num_media: '0',
        num_segments: '1',
        price: null,
        price_unit: 'USD',
        sid,
        status: 'queued',
        subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
        to: form.get('To'),
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      },
    };
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

/** What a recorded call sends to a customer's phone, or null for any other call (a lookup included). */
export function messageOfCall(call: RecordedCall): ProviderMessage | null {
  if (call.method !== 'POST') return null;
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

/** Twilio's dates: RFC 2822 in GMT, "Wed, 18 Aug 2010 20:01:40 +0000". */
const rfc2822 = (at: Date) => at.toUTCString().replace(/GMT$/, '+0000');
/** Graph's dates: ISO 8601 to the second with a +0000 offset, "2024-06-06T00:54:32+0000". */
const graphTime = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, '+0000');

/** The stand-in's Facebook Page (a page token's `me`), as the sender of what it sent. */
export const STANDIN_PAGE = { id: '109876543210987', name: 'Acme Support' };

/** What the API stand-in took, newest last, for its list endpoints to answer from. */
class Taken {
  readonly ids = new Map<RecordedCall, string>();
  private readonly twilio: Array<Record<string, unknown>> = [];
  private readonly graph: Array<{ psid: string; message: Record<string, unknown> }> = [];

  add(call: RecordedCall, answer: unknown): void {
    if (call.path.includes('/Messages.json')) {
      this.twilio.push(answer as Record<string, unknown>);
      this.ids.set(call, String((answer as { sid?: unknown }).sid));
    } else if (call.path.endsWith('/me/messages')) {
      const body = JSON.parse(call.body) as { recipient: { id: string }; message?: { text?: string } };
      const mid = (answer as { message_id?: string }).message_id ?? '';
      this.ids.set(call, mid);
      const message = { id: mid, message: body.message?.text ?? '', created_time: graphTime(new Date()), from: { name: STANDIN_PAGE.name, email: `${STANDIN_PAGE.id}@facebook.com`, id: STANDIN_PAGE.id } };
      this.graph.push({ psid: body.recipient.id, message });
    } else if (call.path.endsWith('/messages')) {
      this.ids.set(call, String((answer as { messages?: Array<{ id?: unknown }> }).messages?.[0]?.id));
    }
  }

  /** Twilio's Messages list: the account's messages filtered by To and From, newest first, one page. */
  twilioPage(url: URL): unknown {
    const account = /\/Accounts\/([^/]+)\//.exec(url.pathname)?.[1] ?? '';
    const to = url.searchParams.get('To');
    const from = url.searchParams.get('From');
    const pageSize = Math.min(1000, Number(url.searchParams.get('PageSize') ?? 50) || 50);
    const matching = this.twilio.filter((m) => m.account_sid === account && (to === null || m.to === to) && (from === null || m.from === from)).reverse();
    const messages = matching.slice(0, pageSize);
    const uri = `${url.pathname}?${new URLSearchParams({ ...(to === null ? {} : { To: to }), ...(from === null ? {} : { From: from }), PageSize: String(pageSize), Page: '0' })}`;
    return { end: Math.max(0, messages.length - 1), first_page_uri: uri, messages, next_page_uri: null, page: 0, page_size: pageSize, previous_page_uri: null, start: 0, uri };
  }

  /** Graph's `me/conversations?user_id=`: the page's conversation with that person, its latest messages first (`messages.limit(n)`). */
  graphConversations(url: URL): unknown {
    const psid = url.searchParams.get('user_id');
    const limit = Number(/messages\.limit\((\d+)\)/.exec(url.searchParams.get('fields') ?? '')?.[1] ?? 25);
    const messages = this.graph.filter((m) => m.psid === psid).map((m) => m.message).reverse();
    if (psid === null || messages.length === 0) return { data: [] };
    const cursor = (id: unknown) => Buffer.from(String(id)).toString('base64url');
    const page = messages.slice(0, limit);
    return {
      data: [{ id: `t_${Buffer.from(psid).toString('hex').slice(0, 16)}`, messages: { data: page, paging: { cursors: { before: cursor(page[0]!.id), after: cursor(page.at(-1)!.id) } } } }],
    };
  }
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
