/**
 * The hostile-input corpus: one engine (every HTTP door, the agents' actions, the SMTP listener)
 * over real Kafka and Redis, clients that speak to it the way an attacker or a broken provider
 * would (signed where the door checks signatures, raw sockets where fetch would refuse to send
 * the bytes), and the expectations each case is held to.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { AnyEvent } from '../../../events/index.ts';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { channelRoutes } from '../../../src/channels/index.ts';
import { startSmtpListener, type SmtpListener } from '../../../src/channels/email/smtp.ts';
import { twilioSignature } from '../../../src/channels/twilio/signature.ts';
import type { Config } from '../../../src/config/schema.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { tenantFileSchema } from '../../../src/tenants/settings.ts';
import { startChannelHarness, type ChannelHarness } from '../../support/channel-harness.ts';
import { EMAIL_WEBHOOK_AUTH, testConfig } from '../../support/engine.ts';
import { testLogger } from '../../support/kafka.ts';

export const TENANT = 'hostile';
export const API_KEY = 'key-hostile-0123456789abcdef';
export const PUBLIC_URL = 'https://cs.hostile.test';
export const ACCOUNT_SID = `AC${'0a1b2c3d4e5f6789'.repeat(2)}`;
export const AUTH_TOKEN = 'twilio-hostile-auth-token';
export const OUR_NUMBER = '+15005550006';
export const APP_SECRET = 'meta-hostile-app-secret';
export const VERIFY_TOKEN = 'meta-hostile-verify-token';
export const WA_PHONE_ID = '106540352242922';
export const PAGE_ID = '1234567890123456';
export const IG_ID = '17841400000000000';
export const WIDGET_KEY = 'wk_hostile_widget_key';
export const SUPPORT = 'support@hostile.test';
export const AGENT = 'ag_hostile';
export { EMAIL_WEBHOOK_AUTH };

/** Small enough to send over and under in every run, large enough for real mail. */
export const SMTP_MAX_BYTES = 2 * 1024 * 1024;
/** The corpus's body deadline: slow and short bodies are answered 408 after this. */
export const BODY_TIMEOUT_MS = 2000;

/** A door of the engine, as the summary table counts cases. */
export type Door =
  | 'POST /v1/events'
  | 'twilio sms'
  | 'twilio whatsapp'
  | 'twilio status'
  | 'meta whatsapp'
  | 'meta messenger'
  | 'meta instagram'
  | 'email webhook'
  | 'smtp'
  | 'chat http'
  | 'chat websocket'
  | 'agent actions'
  | 'raw http';

/** What came back: an HTTP answer (status, JSON error body), an SMTP reply, or a socket's fate. */
export interface Answer {
  status: number;
  text: string;
  /** `error` of our JSON error shape, when the body is one. */
  code?: string;
  headers?: Record<string, string>;
}

/**
 * What a case must get. `refuse`: that status and error code, and no event carries the case's
 * marker. `accept`: a documented acceptance (`why`), that status, and exactly `events` events
 * (customer.identified aside) carry the marker. `smtp`: the SMTP reply code. `ws`: the socket
 * stayed open (`open`) or was closed by the server with that close code.
 */
export type Expectation =
  | { kind: 'refuse'; status: number; code: string }
  | { kind: 'accept'; status: number; events: number; why: string }
  | { kind: 'smtp'; reply: number; events: number; why?: string }
  | { kind: 'ws'; outcome: 'open' | number; why: string };

export const refuse = (status: number, code: string): Expectation => ({ kind: 'refuse', status, code });
export const accept = (status: number, events: number, why: string): Expectation => ({ kind: 'accept', status, events, why });
export const smtp = (reply: number, events = 0, why?: string): Expectation => (why === undefined ? { kind: 'smtp', reply, events } : { kind: 'smtp', reply, events, why });
export const ws = (outcome: 'open' | number, why: string): Expectation => ({ kind: 'ws', outcome, why });

export interface HostileCase {
  door: Door;
  name: string;
  expect: Expectation;
  /** The client's own deadline: no answer by then fails the case as a hang (default 10 s). */
  timeoutMs?: number;
  /** Events of an accepted case that cannot carry its marker (an action's event id is a hash). */
  claims?: (event: AnyEvent, marker: string) => boolean;
  send(env: HostileEnv, marker: string, index: number): Promise<Answer>;
}

export type CaseSpec = HostileCase;

export interface HostileEnv {
  config: Config;
  harness: ChannelHarness;
  smtp: SmtpListener;
  url: string;
  port: number;
  close(): Promise<void>;
}

const workspace = tenantFileSchema.parse({
  routing: { teams: [{ name: 'support' }], agents: [{ id: AGENT, name: 'Hostile Agent', teams: ['support'], languages: ['en'], capacity: { chat: 2 } }] },
});

export async function startHostileEnv(): Promise<HostileEnv> {
  const base = testConfig();
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  const config: Config = {
    ...base,
    http: { ...base.http, apiKeys: { [API_KEY]: TENANT }, bodyTimeoutMs: BODY_TIMEOUT_MS },
    tenants: { ...base.tenants, settings: { [TENANT]: workspace } },
    channels: {
      ...base.channels,
      publicUrl: PUBLIC_URL,
      attachments: { dir, maxBytes: 1024 * 1024 },
      twilio: { ...base.channels.twilio, accounts: { [ACCOUNT_SID]: { tenant: TENANT, authToken: AUTH_TOKEN, from: OUR_NUMBER } } },
      meta: {
        ...base.channels.meta,
        appSecret: APP_SECRET,
        verifyToken: VERIFY_TOKEN,
        routes: { [WA_PHONE_ID]: { tenant: TENANT, accessToken: '' }, [PAGE_ID]: { tenant: TENANT, accessToken: '' }, [IG_ID]: { tenant: TENANT, accessToken: '' } },
      },
      email: { ...base.channels.email, smtp: { ...base.channels.email.smtp, maxMessageBytes: SMTP_MAX_BYTES }, addresses: { [SUPPORT]: TENANT } },
      chat: { widgets: { [WIDGET_KEY]: TENANT } },
    },
  };
  const harness = await startChannelHarness(config, [...channelRoutes, actionRoutes]);
  const listener = await startSmtpListener(harness.ctx, { host: '127.0.0.1', port: 0 });
  const port = Number(new URL(harness.url).port);
  return {
    config,
    harness,
    smtp: listener,
    url: harness.url,
    port,
    async close() {
      await listener.close();
      await harness.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every record on the event topic is in `harness.events`: waits until the count reaches the topic's end offsets. */
export async function settledEvents(env: HostileEnv, timeoutMs = 30_000): Promise<AnyEvent[]> {
  const admin = createKafka(env.config.kafka, testLogger).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const total = (await admin.fetchTopicOffsets(env.config.kafka.topics.events)).reduce((n, p) => n + Number(p.high), 0);
      if (env.harness.events.length >= total) return env.harness.events;
      if (Date.now() > deadline) throw new Error(`the consumer has ${env.harness.events.length} of the topic's ${total} events`);
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

// ----- answers -----

function codeOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    return typeof body.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

export class HangError extends Error {
  override name = 'HangError';
}

/** An HTTP request through fetch, failing as a hang past its deadline. */
export async function http(
  env: HostileEnv,
  input: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer | Uint8Array; timeoutMs?: number },
): Promise<Answer> {
  const timeoutMs = input.timeoutMs ?? 10_000;
  try {
    const response = await fetch(env.url + input.path, {
      method: input.method ?? 'POST',
      headers: input.headers ?? {},
      ...(input.body !== undefined ? { body: input.body } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const code = codeOf(text);
    return { status: response.status, text, ...(code !== undefined ? { code } : {}), headers: Object.fromEntries(response.headers) };
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new HangError(`no answer within ${timeoutMs} ms`);
    throw err;
  }
}

/** One step of a raw exchange: bytes to write, or a pause. */
export type RawStep = string | Buffer | { wait: number };

/**
 * Writes the steps to a plain TCP connection and reads the first HTTP response (its head, then as
 * much body as Content-Length says, or until the server closes). Fails as a hang past the deadline.
 * A connection the server closes without a byte is status 0.
 */
export function rawHttp(env: HostileEnv, steps: RawStep[], timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(env.port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (result: Answer | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => finish(new HangError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const parsed = () => {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const head = received.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      return { status, headers, body: received.subarray(end + 4) };
    };
    const tryResolve = (closed: boolean) => {
      const response = parsed();
      if (!response) {
        if (closed) finish({ status: 0, text: received.toString('latin1') });
        return;
      }
      // An upgrade (101) or an answer without a body is complete at the end of its head.
      const bodiless = response.status === 101 || response.status === 204 || response.status === 304;
      const length = bodiless ? 0 : Number(response.headers['content-length']);
      if (!closed && !(Number.isFinite(length) && response.body.length >= length)) return;
      const text = (Number.isFinite(length) ? response.body.subarray(0, length) : response.body).toString('utf8');
      const code = codeOf(text);
      finish({ status: response.status, text, headers: response.headers, ...(code !== undefined ? { code } : {}) });
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      tryResolve(false);
    });
    socket.on('close', () => tryResolve(true));
    socket.on('error', () => tryResolve(true));
    socket.once('connect', () => {
      void (async () => {
        for (const step of steps) {
          if (settled || socket.destroyed) return;
          if (typeof step === 'object' && !Buffer.isBuffer(step)) await sleep(step.wait);
          else socket.write(step);
        }
      })();
    });
  });
}

/** A request head as raw text, CRLF line ends. */
export function head(method: string, path: string, headers: Array<[string, string]>): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

// ----- signing -----

export function twilioHeaders(path: string, params: Array<[string, string]>): Record<string, string> {
  const form: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [name, value] of params) (form[name] ??= []).push(value);
  return {
    'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
    'x-twilio-signature': twilioSignature(AUTH_TOKEN, PUBLIC_URL + path, form),
  };
}

export const formBody = (params: Array<[string, string]>) => new URLSearchParams(params).toString();

export const metaSignature = (bytes: Buffer | string) => `sha256=${createHmac('sha256', APP_SECRET).update(bytes).digest('hex')}`;

/** A unique US number per index (customers are told apart by their number): 0–9,999, then 10,000–19,999. */
export const phone = (index: number) => `+1415${index >= 10_000 ? '666' : '555'}${String(index % 10_000).padStart(4, '0')}`;

export const randomHex = (bytes: number) => randomBytes(bytes).toString('hex');

// ----- SMTP -----

/** One command and the reply code expected to continue; the session stops at the first other code. */
export type SmtpStep = { send: string | Buffer; expect?: number } | { wait: number };

/**
 * A raw SMTP session: reads the greeting, then sends each step and reads its reply. Resolves with
 * the last reply (code and text); a server that closes the connection is code 0.
 */
export function smtpSession(env: HostileEnv, steps: SmtpStep[], timeoutMs = 15_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(env.smtp.port, '127.0.0.1');
    let buffer = '';
    let waiting: ((reply: { code: number; text: string }) => void) | undefined;
    let settled = false;
    const finish = (result: Answer | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => finish(new HangError(`no SMTP reply within ${timeoutMs} ms`)), timeoutMs);
    const takeReply = () => {
      // A reply ends with a line "ddd text" (a space after the code; a dash continues).
      const lines = buffer.split('\r\n');
      for (let i = 0; i < lines.length - 1; i++) {
        if (/^\d{3} /.test(lines[i]!) || /^\d{3}$/.test(lines[i]!)) {
          const text = lines.slice(0, i + 1).join('\n');
          buffer = lines.slice(i + 1).join('\r\n');
          const code = Number(lines[i]!.slice(0, 3));
          const w = waiting;
          waiting = undefined;
          w?.({ code, text });
          return true;
        }
      }
      return false;
    };
    const nextReply = () =>
      new Promise<{ code: number; text: string }>((res) => {
        waiting = res;
        takeReply();
      });
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      if (waiting) takeReply();
    });
    socket.on('close', () => {
      const w = waiting;
      waiting = undefined;
      w?.({ code: 0, text: 'connection closed' });
    });
    socket.on('error', () => undefined);
    void (async () => {
      let last = await nextReply();
      for (const step of steps) {
        if ('wait' in step) {
          await sleep(step.wait);
          continue;
        }
        if (last.code === 0) break;
        socket.write(step.send);
        last = await nextReply();
        if (step.expect !== undefined && last.code !== step.expect) break;
      }
      finish({ status: last.code, text: last.text });
    })().catch((err: unknown) => finish(err as Error));
  });
}

/** A whole SMTP transaction delivering `message` (CRLF line ends, dot-stuffed here) to `rcpt`. */
export function smtpDelivery(from: string, rcpt: string[], message: string | Buffer): SmtpStep[] {
  const data = Buffer.isBuffer(message) ? message : Buffer.from(message, 'utf8');
  const stuffed = Buffer.from(data.toString('latin1').replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..'), 'latin1');
  return [
    { send: 'EHLO hostile.test\r\n', expect: 250 },
    { send: `MAIL FROM:<${from}>\r\n`, expect: 250 },
    ...rcpt.map((r) => ({ send: `RCPT TO:<${r}>\r\n`, expect: 250 })),
    { send: 'DATA\r\n', expect: 354 },
    { send: Buffer.concat([stuffed, Buffer.from(stuffed.subarray(-2).toString() === '\r\n' ? '.\r\n' : '\r\n.\r\n')]) },
    { send: 'QUIT\r\n' },
  ];
}

// ----- WebSocket -----

/**
 * Opens the chat socket, then runs `act` on it; resolves `open` (status 101) when the socket is
 * still open `holdMs` later, the close code when the server closed it, or the HTTP status that
 * refused the upgrade (with its JSON code).
 */
export function wsSession(env: HostileEnv, query: string, act: (socket: WebSocket) => void, holdMs = 300, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${env.url.replace('http', 'ws')}/v1/chat/ws?${query}`);
    let settled = false;
    const finish = (result: Answer | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (socket.readyState === WebSocket.OPEN) socket.close();
      else if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => finish(new HangError(`no outcome within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', () => undefined);
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => {
        const code = codeOf(text);
        finish({ status: response.statusCode ?? 0, text, ...(code !== undefined ? { code } : {}) });
      });
    });
    socket.once('open', () => {
      try {
        act(socket);
      } catch {
        // a send the client library refuses is the case's own doing
      }
      setTimeout(() => finish({ status: 101, text: 'open' }), holdMs);
    });
    socket.once('close', (code: number) => finish({ status: 101, text: `closed ${code}`, code: String(code) }));
  });
}

// ----- bodies -----

/** JSON nested `depth` arrays deep around `inner`. */
export const nested = (depth: number, inner = '0') => '['.repeat(depth) + inner + ']'.repeat(depth);
/** JSON nested `depth` objects deep: {"a":{"a":…}}. */
export const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);

/** Bytes that are not UTF-8: a lone continuation byte, an overlong slash, a truncated sequence. */
export const INVALID_UTF8 = [Buffer.from([0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff, 0xfe])];

/** A text of about `bytes` UTF-8 bytes, the marker first. */
export const textOf = (marker: string, bytes: number, unit = 'a') => {
  const unitBytes = Buffer.byteLength(unit);
  return marker + ' ' + unit.repeat(Math.max(0, Math.floor((bytes - marker.length - 1) / unitBytes)));
};

/** 1 MB: the broker's limit is 1,048,588 bytes and ours 1,000,000; a text this long fits neither. */
export const OVER_KAFKA = 1_050_000;
/** Just under what a message's own fields may take (1,000,000 less 8 KiB of envelope room). */
export const UNDER_LIMIT = 980_000;
