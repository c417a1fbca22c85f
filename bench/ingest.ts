/**
 * npm run bench:ingest — what one api process takes in: signed Twilio SMS webhooks answered 200 once
 * Kafka acknowledged them (acks=all), and `POST /v1/events` NDJSON batches answered 202 the same way,
 * against a bare fastify route answering the same requests in the same run (the baseline: the same
 * body parsing, Twilio's signature checked and the message parsed, each NDJSON line checked against
 * the event contract; no Redis, no Kafka, none of the api's hooks).
 *
 * As deployed: the api role is a process of its own (`workers/main.ts api`, the run's own instance,
 * topics and keys: `bench-ingest-<run>`, tenant `bench`), its rate limits counting every request in
 * Redis as always (set high enough here never to refuse); the baseline is this file in a process of
 * its own (BENCH_INGEST_BASELINE set). The load comes from this process (autocannon, and node:http
 * for the paced phase), each webhook a fresh MessageSid (so each goes through the ingest claim and a
 * Kafka append, coalesced with the others in flight: src/log/coalesce.ts) from one of
 * BENCH_CUSTOMERS (5000) phone numbers (a number's first message also resolves a new customer),
 * signed over channels.publicUrl as Twilio signs it. Phases, each on the baseline then on the api,
 * after BENCH_WARMUP (3) s of saturation on each (left out):
 *
 *   saturation   BENCH_CONNECTIONS (100) connections, as fast as answers come, BENCH_SECONDS (10) s;
 *   fixed rate   BENCH_RATE (2000) requests/s, paced: request i is due at start + i/rate and sent
 *                then over at most BENCH_RATE_CONNECTIONS (256) keep-alive connections (node:http
 *                here, not autocannon: its rate sends each connection's share of a second in a burst
 *                at the second's start, which measures the bursts); its latency is from when it was
 *                due, so a request held back for a free connection counts its wait;
 *   events       NDJSON batches of BENCH_BATCH (100) events, BENCH_BATCH_CONNECTIONS (8) connections,
 *                as fast as answers come, BENCH_SECONDS s.
 *
 * Also BENCH_PARTITIONS (12) and BENCH_PHASES (saturation,fixed,events: those to run). The CPU each
 * server's process used (from /proc) is reported beside each phase, with Redis's, Kafka's, this
 * process's and the machine's. To see where the api's time goes: ROLE_NODE_ARGS='--cpu-prof
 * --cpu-prof-dir=/tmp/prof' BENCH_PHASES=saturation npm run bench:ingest (written when the api stops).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { nanoid } from 'nanoid';
import { createEvent } from '../events/index.ts';
import { formEncodingProblem, param, parseForm } from '../src/channels/twilio/form.ts';
import { parseInbound } from '../src/channels/twilio/inbound.ts';
import { twilioSignature, verifyTwilioSignature } from '../src/channels/twilio/signature.ts';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { charsetOf, jsonBodyProblem } from '../src/http/input.ts';
import { createKafka } from '../src/log/kafka.ts';
import { provisionTopics } from '../src/log/topics.ts';
import { parseNdjsonBuffer } from '../src/ndjson/codec.ts';
import { createLogger } from '../src/observability/logger.ts';
import { redisConnection } from '../src/queues/connection.ts';
import { DEFAULT_BODY_LIMIT } from '../src/api/server.ts';
import { twilioInboundSms } from '../scripts/sim/doors.ts';
import { freePort } from '../scripts/sim/free-port.ts';
import { stackUp } from '../scripts/stack/stack.ts';
import { exited, spawnRole, writeConfigDir } from '../tests/support/workers.ts';
import { fmt, percentile, sleep } from './support.ts';
import { findProcess, sample, type Sample } from './proc-cpu.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const RATE_CONNECTIONS = Number(process.env.BENCH_RATE_CONNECTIONS ?? 256);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 8);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 5000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 12);
/** Which phases run (all by default): profiling one at a time keeps the others out of the profile. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'saturation,fixed,events').split(','));
/** The targets on the 2-core machine: requests/s one api process takes at saturation; p99 at the fixed rate. */
const TARGET = { perProcess: 5000, p99Ms: 50 };
const TENANT = 'bench';
const SMS_PATH = '/webhooks/twilio/sms';
const EVENTS_PATH = '/v1/events';
const TWILIO_NUMBER = '+15005550006';
const FORM = 'application/x-www-form-urlencoded';
const NDJSON = 'application/x-ndjson';

// ─── The baseline process: a bare fastify route, the same parsing ────────────────────────────────

interface BaselineSpec {
  port: number;
  publicUrl: string;
  accounts: Config['channels']['twilio']['accounts'];
}

/** Answers the webhook as the door does up to the ingest (charset, encoding, form, account, signature, message), and a batch as the events route does up to the append. */
async function baselineProcess(spec: BaselineSpec): Promise<void> {
  const app = Fastify({ logger: false, bodyLimit: DEFAULT_BODY_LIMIT });
  const accounts = new Map(Object.entries(spec.accounts));
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(FORM, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.post(SMS_PATH, async (request, reply) => {
      const bytes = request.body as Buffer;
      const charset = charsetOf(request.headers['content-type']);
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return reply.code(415).send({ error: 'unsupported_charset' });
      if (formEncodingProblem(bytes)) return reply.code(400).send({ error: 'invalid_encoding' });
      const params = parseForm(bytes.toString('utf8'));
      const account = accounts.get(param(params, 'AccountSid') ?? '');
      if (!account) return reply.code(403).send({ error: 'unknown_account' });
      const signature = request.headers['x-twilio-signature'];
      if (!verifyTwilioSignature(account.authToken, typeof signature === 'string' ? signature : undefined, spec.publicUrl + request.url, params)) {
        return reply.code(403).send({ error: 'invalid_signature' });
      }
      const parsed = parseInbound(params, account.tenant, new Date());
      if (!parsed.ok) return reply.code(400).send({ error: 'invalid_message' });
      return reply.code(200).type('text/xml; charset=utf-8').send('<Response/>');
    });
  });
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser([NDJSON], { parseAs: 'buffer' }, (request, body, done) => {
      const problem = jsonBodyProblem(request.headers['content-type'], body as Buffer, { lines: true });
      if (problem) return done(problem, undefined);
      done(null, (body as Buffer).toString('utf8'));
    });
    scope.post(EVENTS_PATH, async (request, reply) => {
      const lines = parseNdjsonBuffer(request.body as string);
      if (lines.length === 0 || lines.some((l) => !l.result.ok)) return reply.code(400).send({ error: 'invalid_events' });
      return reply.code(202).send({ accepted: lines.length, ids: lines.map((l) => (l.result.ok ? l.result.event.id : '')) });
    });
  });
  await app.listen({ host: '127.0.0.1', port: spec.port });
  console.log('ready');
}

// ─── The load ────────────────────────────────────────────────────────────────────────────────────

interface Target {
  name: 'baseline' | 'api';
  url: string;
  pid: number | undefined;
}

/** Signed webhooks, each a fresh MessageSid, made ahead of a phase so signing costs this process nothing while it sends. */
class Webhooks {
  private made = 0;
  constructor(
    private readonly run: string,
    private readonly publicUrl: string,
    private readonly twilio: { accountSid: string; authToken: string },
  ) {}

  next(): { body: string; signature: string } {
    const i = this.made++;
    const messageSid = `SM${createHash('sha256').update(`${this.run}/${i}`).digest('hex').slice(0, 32)}`;
    const params = twilioInboundSms({
      accountSid: this.twilio.accountSid,
      messageSid,
      from: `+1415${2_000_000 + (i % CUSTOMERS)}`,
      to: TWILIO_NUMBER,
      body: `Bench message ${i}: where is my order?`,
    });
    const signature = twilioSignature(this.twilio.authToken, this.publicUrl + SMS_PATH, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])));
    return { body: new URLSearchParams(params).toString(), signature };
  }

  batch(n: number) {
    return Array.from({ length: n }, () => this.next());
  }
}

/** NDJSON bodies of BATCH message.received envelopes, every id new, customers spread like the webhooks'. */
class Batches {
  private made = 0;
  private readonly template: string;
  constructor(private readonly run: string) {
    const event = createEvent({
      id: 'EVENT_ID',
      type: 'message.received',
      source: '/bench/ingest',
      tenant: TENANT,
      customer: 'CUSTOMER_ID',
      time: new Date().toISOString(),
      data: { channel: 'chat', provider: 'webchat', handle: 'CUSTOMER_ID-visitor', text: 'Bench event: where is my order?' },
    });
    this.template = JSON.stringify(event);
  }

  next(): string {
    let body = '';
    for (let k = 0; k < BATCH; k++) {
      const i = this.made++;
      body += `${this.template.replace('EVENT_ID', `bench-${this.run}-${i}`).replaceAll('CUSTOMER_ID', `cus_bench_${i % CUSTOMERS}`)}\n`;
    }
    return body;
  }
}

type Result = autocannon.Result;

interface PhaseOptions {
  target: Target;
  path: string;
  contentType: string;
  connections: number;
  seconds: number;
  /** The body and headers of the next request. */
  next(): { body: string; headers?: Record<string, string> };
}

/** One autocannon run against a target, with the CPU its process (and Redis, Kafka, the machine) used meanwhile. */
async function phase(options: PhaseOptions, pids: Record<string, number | undefined>) {
  const before = sample({ target: options.target.pid, ...pids });
  const result: Result = await autocannon({
    url: options.target.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: options.path,
        setupRequest: (request) => {
          const { body, headers } = options.next();
          return { ...request, body, headers: { ...request.headers, 'content-type': options.contentType, ...headers } };
        },
      },
    ],
  });
  const after = sample({ target: options.target.pid, ...pids });
  return { result, cpu: cpuShares(before, after) };
}

/** What the paced phase saw: answers per status, and each answer's latency from when it was due (ms). */
interface Paced {
  statuses: Map<number, number>;
  latencies: Float64Array;
  /** From the first request due to the last answer. */
  seconds: number;
  /** How late requests were sent after they were due (waiting for a free connection, or this process's timers), p99 ms. */
  sendLagP99: number;
}

/** Open-loop load at `rate`/s for `seconds`, each request sent when due (or as soon as a connection is free); the bodies made ahead. */
async function paced(target: Target, rate: number, seconds: number, next: () => { body: string; headers: Record<string, string> }, pids: Record<string, number | undefined>) {
  const url = new URL(target.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: RATE_CONNECTIONS });
  const total = Math.round(rate * seconds);
  const bodies = Array.from({ length: total }, next);
  const due = new Float64Array(total);
  const lag = new Float64Array(total);
  const latencies = new Float64Array(total);
  const statuses = new Map<number, number>();
  let sent = 0;
  let finished = 0;
  let allAnswered!: () => void;
  const done = new Promise<void>((resolve) => (allAnswered = resolve));
  const answer = (i: number, status: number) => {
    latencies[i] = performance.now() - due[i]!;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (++finished === total) allAnswered();
  };
  const send = (i: number) => {
    const { body, headers } = bodies[i]!;
    lag[i] = performance.now() - due[i]!;
    const request = http.request(
      { agent, host: url.hostname, port: url.port, path: SMS_PATH, method: 'POST', headers: { ...headers, 'content-type': `${FORM}; charset=UTF-8`, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => answer(i, response.statusCode ?? 0));
      },
    );
    request.on('error', () => answer(i, -1));
    request.end(body);
  };
  const before = sample({ target: target.pid, ...pids });
  const t0 = performance.now() + 20;
  for (let i = 0; i < total; i++) due[i] = t0 + (i * 1000) / rate;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && due[sent]! <= now) send(sent++);
    await sleep(1);
  }
  await done;
  const after = sample({ target: target.pid, ...pids });
  agent.destroy();
  latencies.sort();
  lag.sort();
  const result: Paced = { statuses, latencies, seconds: (performance.now() - t0) / 1000, sendLagP99: percentile(lag, 99) };
  return { result, cpu: cpuShares(before, after) };
}

// ─── CPU from /proc ──────────────────────────────────────────────────────────────────────────────


function cpuShares(a: Sample, b: Sample) {
  const seconds = (b.at - a.at) / 1000;
  const cores: Record<string, number> = {};
  for (const name of Object.keys(a.pids)) cores[name] = (b.pids[name]! - a.pids[name]!) / seconds;
  cores.load = (b.self.user - a.self.user + b.self.system - a.self.system) / 1e6 / seconds;
  return { cores, machineBusy: (b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total) };
}

// ─── The run ─────────────────────────────────────────────────────────────────────────────────────

const ok = (r: Result) => r['2xx'];
const perSecond = (r: Result) => ok(r) / r.duration;
const latency = (r: Result) => `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms`;
const refusals = (r: Result) => {
  // autocannon gives the counts as strings, whatever its types say.
  const other = Object.entries(r.statusCodeStats ?? {}).filter(([code, { count }]) => !code.startsWith('2') && Number(count ?? 0) > 0);
  const parts = other.map(([code, { count }]) => `${code}: ${fmt(Number(count ?? 0))}`);
  if (r.errors > 0) parts.push(`errors: ${fmt(r.errors)}`);
  if (r.timeouts > 0) parts.push(`timeouts: ${fmt(r.timeouts)}`);
  return parts.length ? ` (not 2xx: ${parts.join(', ')})` : '';
};
const okOf = (p: Paced) => [...p.statuses].filter(([status]) => status >= 200 && status < 300).reduce((n, [, count]) => n + count, 0);
const pacedText = (p: Paced) => {
  const other = [...p.statuses].filter(([status]) => status < 200 || status >= 300);
  const ms = (q: number) => percentile(p.latencies, q).toFixed(1);
  return (
    `${fmt(okOf(p) / p.seconds)}/s answered 2xx${other.length ? ` (not 2xx: ${other.map(([status, n]) => `${status === -1 ? 'no answer' : status}: ${fmt(n)}`).join(', ')})` : ''}; ` +
    `p50 ${ms(50)} ms, p99 ${ms(99)} ms, max ${ms(100)} ms (sent after due: p99 ${p.sendLagP99.toFixed(1)} ms)`
  );
};
const cpuText = (cpu: ReturnType<typeof cpuShares>) =>
  `CPU in cores: ${Object.entries(cpu.cores)
    .filter(([, v]) => Number.isFinite(v))
    .map(([name, v]) => `${name} ${v.toFixed(2)}`)
    .join(', ')}; machine ${(cpu.machineBusy * 100).toFixed(0)} % busy`;

async function main() {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'bench-ingest' });
  const loadAtStart = loadavg();
  await stackUp();
  const run = nanoid(8).replace(/[^A-Za-z0-9]/g, 'x');
  const name = `bench-ingest-${run}`;
  const base = loadConfig();
  const [apiPort, baselinePort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const apiKey = `bench-ingest-key-${randomBytes(12).toString('hex')}`;
  const twilio = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex') };
  // Counted as always; never reached here.
  const unlimited = { max: 1_000_000_000, window: 60_000 };
  const config: Config = {
    ...base,
    instance: name,
    log: { ...base.log, level: 'warn' },
    kafka: { ...base.kafka, clientId: name, partitions: PARTITIONS, topics: { events: `${name}.events`, deadLetter: `${name}.dlq`, rejectedInput: `${name}.rejected` } },
    fold: { ...base.fold, namespace: name, consumerGroup: `${name}-fold`, queue: `${name}-fold`, workflowQueue: `${name}-workflow` },
    outbound: { ...base.outbound, queue: `${name}-outbound`, consumerGroup: `${name}-outbound` },
    webhooks: { ...base.webhooks, queue: `${name}-webhooks`, consumerGroup: `${name}-webhooks`, subscriptions: [] },
    http: {
      ...base.http,
      host: '127.0.0.1',
      port: apiPort,
      apiKeys: { [apiKey]: TENANT },
      rateLimits: { apiKey: unlimited, person: unlimited, webhookAddress: unlimited, chatAddress: unlimited },
    },
    channels: {
      ...base.channels,
      publicUrl: apiUrl,
      twilio: { ...base.channels.twilio, accounts: { [twilio.accountSid]: { tenant: TENANT, authToken: twilio.authToken, from: TWILIO_NUMBER } } },
    },
  };
  const configDir = writeConfigDir(config);
  const children: ChildProcess[] = [];

  let cleaning: Promise<void> | null = null;
  /** The processes stopped, the topics deleted, every Redis key carrying the run's name removed. */
  const cleanup = () =>
    (cleaning ??= (async () => {
      await Promise.all(
        children.map(async (child) => {
          child.kill('SIGTERM');
          if ((await Promise.race([exited(child), sleep(15_000).then(() => 'slow' as const)])) === 'slow') child.kill('SIGKILL');
        }),
      );
      const admin = createKafka(config.kafka, logger).admin();
      try {
        await admin.connect();
        await admin.deleteTopics({ topics: Object.values(config.kafka.topics), timeout: 10_000 }).catch(() => undefined);
      } catch (err) {
        console.error(`could not delete the run's topics (${(err as Error).message}): ${Object.values(config.kafka.topics).join(', ')}`);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      if (!/^bench-ingest-[A-Za-z0-9]+$/.test(name)) throw new Error(`refusing to remove the keys of ${name}`);
      const redis = redisConnection(config.redis.url, 'bench-ingest-cleanup');
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*${name}*`, 'COUNT', 10_000);
        if (keys.length > 0) await redis.unlink(...keys);
        if ((cursor = next) === '0') break;
      }
      redis.disconnect();
      rmSync(configDir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    await provisionTopics(config, logger);
    const api = spawnRole('api', configDir);
    children.push(api);
    const baseline = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_INGEST_BASELINE: JSON.stringify({ port: baselinePort, publicUrl: apiUrl, accounts: config.channels.twilio.accounts } satisfies BaselineSpec) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(baseline);
    const deadline = Date.now() + 60_000;
    for (const url of [`${apiUrl}/healthz`, `http://127.0.0.1:${baselinePort}/`]) {
      for (;;) {
        const up = await fetch(url).then(() => true, () => false);
        if (up) break;
        if (Date.now() > deadline) throw new Error(`${url} did not answer within 60 s`);
        await sleep(250);
      }
    }
    const targets: Target[] = [
      { name: 'baseline', url: `http://127.0.0.1:${baselinePort}`, pid: baseline.pid },
      { name: 'api', url: apiUrl, pid: api.pid },
    ];
    const pids = { redis: findProcess(/^redis-server /), kafka: findProcess(/java .*kafka\.Kafka/) };
    await measure(config, targets, pids, { run, apiKey, twilio, loadAtStart, logger });
  } finally {
    await cleanup();
  }
}

async function measure(
  config: Config,
  targets: Target[],
  pids: Record<string, number | undefined>,
  o: { run: string; apiKey: string; twilio: { accountSid: string; authToken: string }; loadAtStart: number[]; logger: ReturnType<typeof createLogger> },
) {
  const webhooks = new Webhooks(o.run, config.channels.publicUrl, o.twilio);
  const batches = new Batches(o.run);
  const sms = (target: Target, connections: number, seconds: number) => {
    // Made ahead, so signing costs this process nothing while it sends: enough for three times the
    // target rate (the rest, if any, made as they go).
    const ready = webhooks.batch(Math.min(200_000, TARGET.perProcess * 3 * seconds));
    let i = 0;
    return phase(
      {
        target,
        path: SMS_PATH,
        contentType: `${FORM}; charset=UTF-8`,
        connections,
        seconds,
        next: () => {
          const w = ready[i++] ?? webhooks.next();
          return { body: w.body, headers: { 'x-twilio-signature': w.signature } };
        },
      },
      pids,
    );
  };
  const fixedRate = (target: Target) =>
    paced(
      target,
      RATE,
      SECONDS,
      () => {
        const w = webhooks.next();
        return { body: w.body, headers: { 'x-twilio-signature': w.signature } };
      },
      pids,
    );
  const events = (target: Target, seconds: number) =>
    phase({ target, path: EVENTS_PATH, contentType: NDJSON, connections: BATCH_CONNECTIONS, seconds, next: () => ({ body: batches.next(), headers: { authorization: `Bearer ${o.apiKey}` } }) }, pids);

  console.log(
    `bench:ingest — signed Twilio SMS webhooks (POST ${SMS_PATH}) answered once Kafka acknowledged them (acks=all), through the api role's process; ` +
      `baseline: a bare fastify route answering the same requests in the same run (the same parsing, no Redis, no Kafka)`,
  );
  console.log(`machine   ${cpus().length} cores; load average ${o.loadAtStart.map((l) => l.toFixed(2)).join(' ')} at the start; Kafka, Redis, the api, the baseline and this load all on them`);
  console.log(`deployed  api role (rate limits counting in Redis, never reached), ${PARTITIONS} partitions, log level warn; webhooks from ${fmt(CUSTOMERS)} phone numbers, each a fresh MessageSid`);

  for (const target of targets) {
    await sms(target, CONNECTIONS, WARMUP);
    if (PHASES.has('events')) await events(target, 1);
  }

  const figures: Record<'saturation' | 'events', Record<string, Awaited<ReturnType<typeof phase>>>> = { saturation: {}, events: {} };
  const fixedFigures: Record<string, Awaited<ReturnType<typeof paced>>> = {};
  if (PHASES.has('saturation')) {
    console.log('');
    console.log(`saturation: ${CONNECTIONS} connections, ${SECONDS} s`);
    for (const target of targets) {
      const f = (figures.saturation![target.name] = await sms(target, CONNECTIONS, SECONDS));
      console.log(`  ${target.name.padEnd(9)} ${fmt(perSecond(f.result))} webhooks/s answered 2xx${refusals(f.result)}; ${latency(f.result)}; ${cpuText(f.cpu)}`);
    }
  }
  if (PHASES.has('fixed')) {
    console.log('');
    console.log(`fixed rate: ${fmt(RATE)} requests/s, paced, at most ${RATE_CONNECTIONS} connections, ${SECONDS} s; latency from when each request was due`);
    for (const target of targets) {
      const f = (fixedFigures[target.name] = await fixedRate(target));
      console.log(`  ${target.name.padEnd(9)} ${pacedText(f.result)}; ${cpuText(f.cpu)}`);
    }
  }
  if (PHASES.has('events')) {
    console.log('');
    console.log(`events: POST ${EVENTS_PATH}, NDJSON batches of ${BATCH} events, ${BATCH_CONNECTIONS} connections, ${SECONDS} s`);
    for (const target of targets) {
      const f = (figures.events![target.name] = await events(target, SECONDS));
      console.log(
        `  ${target.name.padEnd(9)} ${fmt(perSecond(f.result) * BATCH)} events/s (${fmt(perSecond(f.result))} batches/s answered 2xx${refusals(f.result)}); ${latency(f.result)}; ${cpuText(f.cpu)}`,
      );
    }
  }

  // What the api answered 2xx is on the topic: every record counted (a new phone number's first message adds its customer.identified).
  const admin = createKafka(config.kafka, o.logger).admin();
  await admin.connect();
  const records = (await admin.fetchTopicOffsets(config.kafka.topics.events)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  console.log('');
  console.log(`topic     ${fmt(records)} records on the run's topic (warm-ups included); customer.identified of ${fmt(CUSTOMERS)} numbers come on top of the messages`);

  console.log('');
  const saturated = figures.saturation!.api?.result;
  if (saturated) {
    const perProcess = perSecond(saturated);
    console.log(
      `target    ≥ ${fmt(TARGET.perProcess)} webhooks/s per api process: ${perProcess >= TARGET.perProcess ? 'MET' : 'NOT MET'} (${fmt(perProcess)}/s, the baseline ${fmt(perSecond(figures.saturation!.baseline!.result))}/s)`,
    );
  }
  const fixed = fixedFigures.api?.result;
  if (fixed) {
    const ok2xx = okOf(fixed);
    const p99 = percentile(fixed.latencies, 99);
    const allOk = ok2xx === fixed.latencies.length;
    console.log(
      `target    p99 < ${TARGET.p99Ms} ms at ${fmt(RATE)}/s: ${allOk && p99 < TARGET.p99Ms ? 'MET' : 'NOT MET'} (p99 ${p99.toFixed(1)} ms; ${fmt(ok2xx)} of ${fmt(fixed.latencies.length)} answered 2xx)`,
    );
  }
  console.log(`machine   load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
}

if (process.env.BENCH_INGEST_BASELINE) {
  baselineProcess(JSON.parse(process.env.BENCH_INGEST_BASELINE) as BaselineSpec).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
