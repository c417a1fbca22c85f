/**
 * npm run bench:console — how fast a change reaches connected consoles: webhook accepted → the change
 * received by every connected console, with the fold's own event-to-projection lag (accepted →
 * committed) measured in the same run as the baseline.
 *
 * As deployed: the api, the fold bridge and one fold worker, each a process of its own, on names of
 * the run's own (instance, topics, consumer group, queues, projection namespace: all
 * `bench-console-<run>`), tenant `bench`. No workflow or outbound role runs: nothing between a
 * webhook and a console needs them (the workflow steps the fold asks for wait unrun: no triage,
 * routing or reply happens). BENCH_CLIENTS consoles hold `GET /v1/stream` open from this process as
 * the console's EventSource does (server-sent events, `Accept: text/event-stream`; here with a
 * full-access API key instead of a session), each connected and `ready` before the load starts.
 *
 * The load: Twilio-signed inbound SMS webhooks (`POST /webhooks/twilio/sms`) from BENCH_CUSTOMERS
 * phone numbers, paced, at most BENCH_IN_FLIGHT requests at once, sent by a process of its own (this
 * file with BENCH_CONSOLE_LOAD set), so the consoles' work here does not delay its sending or its
 * clock, nor it theirs. A small primer first (all roles up, the group joined, every console served),
 * then one phase per rate in BENCH_RATES: BENCH_WARMUP s of the load (left out of the figures: the
 * rate's connections, JIT, first fetches), then BENCH_SECONDS s measured; the next phase starts once
 * the last one's changes arrived.
 *
 *   BENCH_RATES (1000,2000 messages/s), BENCH_SECONDS (15), BENCH_WARMUP (3), BENCH_CLIENTS (50),
 *   BENCH_CUSTOMERS (5000), BENCH_IN_FLIGHT (256), BENCH_PARTITIONS (12), BENCH_SETTLE (30: seconds
 *   after a phase's last answer its changes may take before they count as missed),
 *   BENCH_CONNECT_AT_ONCE=0 (open the first console alone, then the rest; default: all at once, as a shift signing in does)
 *
 * The times, all on this machine's one clock (Date.now() here and in the load process; Redis's clock
 * for the stream ids):
 *   accepted   the webhook's 200 came back to the load process (the event is on Kafka);
 *   committed  the millisecond part of the change's feed entry id: the fold worker XADDs it right
 *              after its commit; read by a reader of its own here (XREAD), none of the consoles;
 *   received   a console's socket handed the change to this process.
 * A message is matched to its change by event id (the door derives it from the MessageSid); the
 * `customer.identified` a phone number's first message also produces is not counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { nanoid } from 'nanoid';
import { deterministicEventId } from '../events/index.ts';
import { twilioSignature } from '../src/channels/twilio/signature.ts';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { createKafka } from '../src/log/kafka.ts';
import { provisionTopics } from '../src/log/topics.ts';
import { createLogger } from '../src/observability/logger.ts';
import { liveKeys } from '../src/projections/keys.ts';
import { redisConnection } from '../src/queues/connection.ts';
import { twilioInboundSms } from '../scripts/sim/doors.ts';
import { freePort } from '../scripts/sim/free-port.ts';
import { seededRandom } from '../scripts/sim/random.ts';
import { stackUp } from '../scripts/stack/stack.ts';
import { exited, spawnRole, writeConfigDir } from '../tests/support/workers.ts';
import { fmt, percentile, sleep } from './support.ts';
import { findProcess, sample, type Sample } from './proc-cpu.ts';

const RATES = (process.env.BENCH_RATES ?? '1000,2000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 5000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 12);
const SETTLE_MS = Number(process.env.BENCH_SETTLE ?? 30) * 1000;
/** The target: p99 accepted → received by the consoles under this, at this rate. */
const TARGET = { rate: 2000, p99Ms: 500 };
const TENANT = 'bench';
const SMS_PATH = '/webhooks/twilio/sms';
const TWILIO_NUMBER = '+15005550006';

/** The MessageSid of a phase's i-th message (Twilio's shape: SM + 32 hex); the load process and this one derive it alike. */
const messageSid = (run: string, phase: string, i: number) => `SM${createHash('sha256').update(`${run}/${phase}/${i}`).digest('hex').slice(0, 32)}`;

// ─── The load process ────────────────────────────────────────────────────────────────────────────

interface LoadSpec {
  url: string;
  publicUrl: string;
  accountSid: string;
  authToken: string;
  run: string;
  phase: string;
  rate: number;
  /** Warm-up included. */
  seconds: number;
  customers: number;
  inFlight: number;
  seed: number;
  /** Where the results go (JSON). */
  out: string;
}

/** Per message, in send order: when it was due, sent, answered (epoch ms), and the answer's status (-1: none). */
interface LoadResult {
  scheduled: number[];
  sent: number[];
  answered: number[];
  status: number[];
  /** CPU the load process spent from its first request to its last answer, in seconds. */
  cpuSeconds: number;
  /** Its event loop's delay, p99 (ms): how late it may have sent or seen an answer. */
  loopDelayP99: number;
}

/** Sends the phase's messages at their due times; prints `start` and `end` so the parent can sample CPU. */
async function loadProcess(spec: LoadSpec): Promise<void> {
  const total = Math.round(spec.rate * spec.seconds);
  const random = seededRandom(spec.seed);
  const target = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.inFlight });
  const scheduled = new Array<number>(total).fill(0);
  const sent = new Array<number>(total).fill(0);
  const answered = new Array<number>(total).fill(0);
  const status = new Array<number>(total).fill(-1);
  let next = 0;
  let due = 0;
  let inFlight = 0;
  let finished = 0;
  let allAnswered!: () => void;
  const done = new Promise<void>((resolve) => (allAnswered = resolve));

  const answer = (i: number, code: number) => {
    if (answered[i] !== 0) return;
    answered[i] = Date.now();
    status[i] = code;
    inFlight--;
    if (++finished === total) allAnswered();
    pump();
  };
  const send = (i: number) => {
    const params = twilioInboundSms({
      accountSid: spec.accountSid,
      messageSid: messageSid(spec.run, spec.phase, i),
      // Distinct customers: 415-200-0000 and up, one of `customers` at random per message.
      from: `+1415${2_000_000 + random.int(spec.customers)}`,
      to: TWILIO_NUMBER,
      body: `Bench message ${spec.phase}-${i}: where is my order?`,
    });
    const signature = twilioSignature(spec.authToken, spec.publicUrl + SMS_PATH, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])));
    const body = new URLSearchParams(params).toString();
    inFlight++;
    sent[i] = Date.now();
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: SMS_PATH,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', 'content-length': Buffer.byteLength(body), 'x-twilio-signature': signature },
      },
      (response) => {
        response.resume();
        response.on('end', () => answer(i, response.statusCode ?? 0));
        response.on('error', () => answer(i, -1));
      },
    );
    request.setTimeout(30_000, () => request.destroy(new Error('no answer within 30 s')));
    request.on('error', () => answer(i, -1));
    request.end(body);
  };
  /** Sends what is due, as far as the in-flight bound lets it; the rest waits, in order. */
  const pump = () => {
    while (next < due && inFlight < spec.inFlight) send(next++);
  };

  const t0 = Date.now() + 50;
  for (let i = 0; i < total; i++) scheduled[i] = t0 + (i * 1000) / spec.rate;
  await sleep(t0 - Date.now());
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  console.log('start');
  while (due < total) {
    due = Math.min(total, Math.floor(((Date.now() - t0) * spec.rate) / 1000) + 1);
    pump();
    await sleep(1);
  }
  await done;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  console.log('end');
  const result: LoadResult = { scheduled, sent, answered, status, cpuSeconds: (cpu.user + cpu.system) / 1e6, loopDelayP99: loop.percentile(99) / 1e6 };
  writeFileSync(spec.out, JSON.stringify(result));
  agent.destroy();
  process.exit(0);
}

// ─── The deployment ──────────────────────────────────────────────────────────────────────────────

interface Deployment {
  run: string;
  /** `bench-console-<run>`: every Kafka and Redis name of the run contains it. */
  name: string;
  config: Config;
  configDir: string;
  url: string;
  apiKey: string;
  twilio: { accountSid: string; authToken: string };
}

async function deployment(): Promise<Deployment> {
  const run = nanoid(8).replace(/[^A-Za-z0-9]/g, 'x');
  const name = `bench-console-${run}`;
  const base = loadConfig();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const apiKey = `bench-console-key-${randomBytes(12).toString('hex')}`;
  const twilio = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex') };
  const config: Config = {
    ...base,
    instance: name,
    log: { ...base.log, level: 'warn' },
    kafka: { ...base.kafka, clientId: name, partitions: PARTITIONS, topics: { events: `${name}.events`, deadLetter: `${name}.dlq`, rejectedInput: `${name}.rejected` } },
    fold: { ...base.fold, namespace: name, consumerGroup: `${name}-fold`, queue: `${name}-fold`, workflowQueue: `${name}-workflow` },
    outbound: { ...base.outbound, queue: `${name}-outbound`, consumerGroup: `${name}-outbound` },
    webhooks: { ...base.webhooks, queue: `${name}-webhooks`, consumerGroup: `${name}-webhooks`, subscriptions: [] },
    // A key in config is full access to its tenant.
    // All of the load comes from one address, faster than the shipped per-address limit allows.
    http: { ...base.http, host: '127.0.0.1', port, apiKeys: { [apiKey]: TENANT }, rateLimits: { ...base.http.rateLimits, webhookAddress: { max: 1_000_000_000, window: 60_000 } } },
    channels: {
      ...base.channels,
      publicUrl: url,
      twilio: { ...base.channels.twilio, accounts: { [twilio.accountSid]: { tenant: TENANT, authToken: twilio.authToken, from: TWILIO_NUMBER } } },
    },
  };
  return { run, name, config, configDir: writeConfigDir(config), url, apiKey, twilio };
}

// ─── The consoles and the feed reader ────────────────────────────────────────────────────────────

interface Console {
  /** Per message (global index): when this console received its change (epoch ms), 0 before. */
  received: Float64Array;
  /** Per message: how many times (up to 255). */
  counts: Uint8Array;
  /** Changes of events not sent as messages here (customer.identified). */
  other: number;
  reloads: number;
  /** Why the stream ended before the run did, if it did. */
  lost: string | null;
  ready: Promise<void>;
  close(): void;
}

/** One console's EventSource, by hand: reads the stream, and notes when each message's change arrived. */
function openConsole(d: Deployment, index: ReadonlyMap<string, number>, reach: Uint16Array): Console {
  let markReady!: () => void;
  let fail!: (err: Error) => void;
  let closing = false;
  const c: Console = {
    received: new Float64Array(reach.length),
    counts: new Uint8Array(reach.length),
    other: 0,
    reloads: 0,
    lost: null,
    ready: new Promise<void>((resolve, reject) => {
      markReady = resolve;
      fail = reject;
    }),
    close: () => {
      closing = true;
      request.destroy();
    },
  };
  const onBlock = (block: string, now: number) => {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data = line.slice(5).trimStart();
    }
    if (event === 'ready') markReady();
    else if (event === 'reload') c.reloads++;
    else if (event === 'change') {
      // `{"type":…,"customer":…,"conversation":…,"eventId":"<id>"}`: the id without parsing the whole.
      const at = data.indexOf('"eventId":"');
      const i = at < 0 ? undefined : index.get(data.slice(at + 11, data.indexOf('"', at + 11)));
      if (i === undefined) {
        c.other++;
        return;
      }
      if (c.counts[i] === 0) {
        c.received[i] = now;
        reach[i]!++;
      }
      if (c.counts[i]! < 255) c.counts[i]!++;
    }
  };
  const request = http.get(`${d.url}/v1/stream`, { agent: false, headers: { authorization: `Bearer ${d.apiKey}`, accept: 'text/event-stream' } }, (response) => {
    if (response.statusCode !== 200) {
      fail(new Error(`GET /v1/stream answered ${response.statusCode}`));
      response.resume();
      return;
    }
    response.setEncoding('utf8');
    let buffer = '';
    response.on('data', (chunk: string) => {
      const now = Date.now();
      buffer += chunk;
      let start = 0;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n', start)) >= 0) {
        onBlock(buffer.slice(start, cut), now);
        start = cut + 2;
      }
      buffer = buffer.slice(start);
    });
    response.on('close', () => {
      if (!closing) c.lost ??= 'the server ended the stream';
    });
  });
  request.on('error', (err) => {
    fail(err);
    if (!closing) c.lost ??= err.message;
  });
  return c;
}

/** A reader of the change feed of its own (none of the consoles): each message's committed time, from its entry id. */
function readFeed(d: Deployment, index: ReadonlyMap<string, number>, committed: Float64Array) {
  const redis = redisConnection(d.config.redis.url, 'bench-console-feed');
  const key = liveKeys(d.config.instance).changes(TENANT);
  const counts = { duplicates: 0, identified: 0 };
  const identities = new Set<string>();
  let stopped = false;
  const reading = (async () => {
    let cursor = '0-0';
    while (!stopped) {
      const reply = (await redis.xread('COUNT', 5000, 'BLOCK', 200, 'STREAMS', key, cursor)) as Array<[string, Array<[string, string[]]>]> | null;
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          cursor = id;
          const type = fields[fields.indexOf('t') + 1];
          const eventId = fields[fields.indexOf('e') + 1] ?? '';
          const i = index.get(eventId);
          if (type === 'customer.identified') {
            counts.identified++;
            identities.add(eventId);
          }
          if (i === undefined) continue;
          if (committed[i]! > 0) counts.duplicates++;
          else committed[i] = Number(id.slice(0, id.indexOf('-')));
        }
      }
    }
  })();
  return {
    counts,
    /** Distinct customer.identified events: two first messages of one number at once both announce it. */
    identities: () => identities.size,
    close: async () => {
      stopped = true;
      await reading.catch(() => undefined);
      redis.disconnect();
    },
  };
}

// ─── Where the CPU went ──────────────────────────────────────────────────────────────────────────


// ─── A phase ─────────────────────────────────────────────────────────────────────────────────────

interface Phase {
  name: string;
  rate: number;
  /** Warm-up included. */
  seconds: number;
  warmup: number;
  /** Its messages' first global index, and how many. */
  offset: number;
  total: number;
}

interface Run {
  d: Deployment;
  consoles: Console[];
  reach: Uint16Array;
  committed: Float64Array;
  pids: Record<string, number | undefined>;
}

/** Sends the phase's load from a process of its own; returns what it recorded, and the CPU spent while it sent. */
async function runLoad(r: Run, phase: Phase, live: { load: ChildProcess | null }, dir: string) {
  const spec: LoadSpec = {
    url: r.d.url,
    publicUrl: r.d.config.channels.publicUrl,
    accountSid: r.d.twilio.accountSid,
    authToken: r.d.twilio.authToken,
    run: r.d.run,
    phase: phase.name,
    rate: phase.rate,
    seconds: phase.seconds,
    customers: CUSTOMERS,
    inFlight: IN_FLIGHT,
    seed: phase.offset + 7,
    out: join(dir, `${phase.name}.json`),
  };
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_CONSOLE_LOAD: JSON.stringify(spec) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  live.load = child;
  let start: Sample | null = null;
  let end: Sample | null = null;
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line === 'start') {
        start = sample(r.pids);
        loop.enable();
      } else if (line === 'end') {
        end = sample(r.pids);
        loop.disable();
      } else if (line) console.log(`[load] ${line}`);
    }
  });
  const code = await exited(child);
  live.load = null;
  if (code !== 0 || !start || !end) throw new Error(`the load process exited with ${code}`);
  const result = JSON.parse(readFileSync(spec.out, 'utf8')) as LoadResult;
  return { result, cpu: cpuShares(start, end, result.cpuSeconds), loopDelayP99: loop.percentile(99) / 1e6 };
}

/** Cores each process used while the load ran (CPU seconds per second), and the machine's busy share. */
function cpuShares(a: Sample, b: Sample, loadSeconds: number) {
  const seconds = (b.at - a.at) / 1000;
  const cores: Record<string, number> = {};
  for (const name of Object.keys(a.pids)) cores[name] = (b.pids[name]! - a.pids[name]!) / seconds;
  cores.load = loadSeconds / seconds;
  cores['consoles + feed reader (this process)'] = (b.self.user - a.self.user + b.self.system - a.self.system) / 1e6 / seconds;
  return { cores, machineBusy: (b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total) };
}

/** Waits until every accepted message of the phase is committed and received by every console, or SETTLE_MS. */
async function settle(r: Run, phase: Phase, load: LoadResult, limitMs = SETTLE_MS): Promise<number> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    let pending = 0;
    for (let i = 0; i < phase.total; i++) {
      const g = phase.offset + i;
      if (load.status[i] === 200 && (r.reach[g]! < CLIENTS || r.committed[g] === 0)) pending++;
    }
    if (pending === 0 || Date.now() > deadline) return pending;
    await sleep(100);
  }
}

const summary = (values: Float64Array) => {
  values.sort();
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? values[values.length - 1]! : NaN, n: values.length };
};
const ms = (s: { p50: number; p99: number }) => `p50 ${fmt(s.p50)} ms, p99 ${fmt(s.p99)} ms`;

/** The phase's figures: what was offered and accepted, the baseline, what the consoles saw. */
function analyse(r: Run, phase: Phase, load: LoadResult) {
  const first = Math.round(phase.rate * phase.warmup);
  const measured: number[] = [];
  for (let i = first; i < phase.total; i++) measured.push(i);
  const accepted = measured.filter((i) => load.status[i] === 200);
  const refused = measured.length - accepted.length;
  const statuses = new Map<number, number>();
  for (const i of measured) if (load.status[i] !== 200) statuses.set(load.status[i]!, (statuses.get(load.status[i]!) ?? 0) + 1);
  const firstSent = measured.reduce((t, i) => Math.min(t, load.sent[i]!), Infinity);
  const lastAnswer = accepted.reduce((t, i) => Math.max(t, load.answered[i]!), -Infinity);
  const lastSent = measured.reduce((t, i) => Math.max(t, load.sent[i]!), -Infinity);
  const sentRate = measured.length / ((lastSent - firstSent) / 1000 + 1 / phase.rate);
  const acceptRate = accepted.length / ((lastAnswer - firstSent) / 1000);
  const answer = summary(Float64Array.from(measured, (i) => load.answered[i]! - load.sent[i]!));
  const heldBack = summary(Float64Array.from(measured, (i) => load.sent[i]! - load.scheduled[i]!));

  const committedOf = accepted.filter((i) => r.committed[phase.offset + i]! > 0);
  const toCommitted = summary(Float64Array.from(committedOf, (i) => r.committed[phase.offset + i]! - load.answered[i]!));
  const toReceived = new Float64Array(accepted.length * CLIENTS);
  const afterCommitted = new Float64Array(accepted.length * CLIENTS);
  const spread = new Float64Array(accepted.length);
  let n = 0;
  let m = 0;
  let s = 0;
  for (const i of accepted) {
    const g = phase.offset + i;
    let earliest = Infinity;
    let latest = -Infinity;
    for (const c of r.consoles) {
      const at = c.received[g]!;
      if (at === 0) continue;
      toReceived[n++] = at - load.answered[i]!;
      if (r.committed[g]! > 0) afterCommitted[m++] = at - r.committed[g]!;
      earliest = Math.min(earliest, at);
      latest = Math.max(latest, at);
    }
    if (latest >= earliest) spread[s++] = latest - earliest;
  }
  // Missed and doubled: over every message of the phase the engine accepted, warm-up included.
  let missedMessages = 0;
  let missedDeliveries = 0;
  let doubled = 0;
  let notCommitted = 0;
  let acceptedAll = 0;
  for (let i = 0; i < phase.total; i++) {
    if (load.status[i] !== 200) continue;
    acceptedAll++;
    const g = phase.offset + i;
    if (r.committed[g] === 0) notCommitted++;
    if (r.reach[g]! < CLIENTS) {
      missedMessages++;
      missedDeliveries += CLIENTS - r.reach[g]!;
    }
    for (const c of r.consoles) if (c.counts[g]! > 1) doubled++;
  }
  return {
    sentRate,
    acceptRate,
    accepted: accepted.length,
    acceptedAll,
    refused,
    statuses,
    answer,
    heldBack,
    toCommitted,
    toReceived: summary(toReceived.subarray(0, n)),
    afterCommitted: summary(afterCommitted.subarray(0, m)),
    spread: summary(spread.subarray(0, s)),
    missedMessages,
    missedDeliveries,
    doubled,
    notCommitted,
  };
}

// ─── The run ─────────────────────────────────────────────────────────────────────────────────────

async function main() {
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'bench-console' });
  const loadAtStart = loadavg();
  await stackUp();
  const d = await deployment();
  const dir = mkdtempSync(join(tmpdir(), 'bench-console-'));
  const live: { roles: ChildProcess[]; load: ChildProcess | null; consoles: Console[]; reader: { close(): Promise<void> } | null } = { roles: [], load: null, consoles: [], reader: null };

  let cleaning: Promise<void> | null = null;
  /** Roles stopped, topics and the group deleted, every Redis key carrying the run's name removed. */
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const c of live.consoles) c.close();
      live.load?.kill('SIGKILL');
      await Promise.all(
        live.roles.map(async (role) => {
          role.kill('SIGTERM');
          if ((await Promise.race([exited(role), sleep(15_000).then(() => 'slow' as const)])) === 'slow') role.kill('SIGKILL');
        }),
      );
      await live.reader?.close();
      const admin = createKafka(d.config.kafka, logger).admin();
      try {
        await admin.connect();
        await admin.deleteGroups([d.config.fold.consumerGroup]).catch(() => undefined);
        await admin.deleteTopics({ topics: Object.values(d.config.kafka.topics), timeout: 10_000 }).catch(() => undefined);
      } catch (err) {
        console.error(`could not delete the run's topics and group (${(err as Error).message}): ${Object.values(d.config.kafka.topics).join(', ')}, ${d.config.fold.consumerGroup}`);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      if (!/^bench-console-[A-Za-z0-9]+$/.test(d.name)) throw new Error(`refusing to remove the keys of ${d.name}`);
      const redis = redisConnection(d.config.redis.url, 'bench-console-cleanup');
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `*${d.name}*`, 'COUNT', 10_000);
        if (keys.length > 0) await redis.unlink(...keys);
        if ((cursor = next) === '0') break;
      }
      redis.disconnect();
      rmSync(d.configDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    await measure(d, live, dir, logger, loadAtStart);
  } finally {
    await cleanup();
  }
}

async function measure(
  d: Deployment,
  live: { roles: ChildProcess[]; load: ChildProcess | null; consoles: Console[]; reader: { close(): Promise<void> } | null },
  dir: string,
  logger: ReturnType<typeof createLogger>,
  loadAtStart: number[],
) {
  const cores = cpus().length;
  console.log(
    `bench:console — webhook accepted → the change received by ${CLIENTS} connected consoles, at ${RATES.map((rate) => `${fmt(rate)}/s`).join(' then ')} ` +
      `(${SECONDS} s each after a ${WARMUP} s warm-up of the same load)`,
  );
  console.log(`machine   ${cores} cores; load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} at the start`);
  console.log(
    `deployed  api, fold-bridge, one fold-worker (${d.config.fold.concurrency} jobs at once), each a process of its own; ${PARTITIONS} partitions; tenant ${TENANT}; ` +
      `Kafka and Redis on the same machine. No workflow or outbound role: the steps the fold asks for wait unrun (no triage, routing or reply)`,
  );

  // Every message the run will send, by event id (as the door derives it from the MessageSid).
  const plan: Phase[] = [];
  let offset = 0;
  for (const [name, rate, seconds, warmup] of [['primer', 20, 1, 1] as const, ...RATES.map((rate) => [`r${rate}`, rate, WARMUP + SECONDS, WARMUP] as const)]) {
    const total = Math.round(rate * seconds);
    plan.push({ name, rate, seconds, warmup, offset, total });
    offset += total;
  }
  const index = new Map<string, number>();
  for (const p of plan) for (let i = 0; i < p.total; i++) index.set(deterministicEventId(TENANT, 'twilio', messageSid(d.run, p.name, i)), p.offset + i);
  const reach = new Uint16Array(offset);
  const committed = new Float64Array(offset);

  await provisionTopics(d.config, logger);
  live.roles.push(spawnRole('fold-worker', d.configDir), spawnRole('fold-bridge', d.configDir), spawnRole('api', d.configDir));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${d.url}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (Date.now() > deadline) throw new Error('the api did not answer /healthz within 60 s');
    await sleep(250);
  }
  const [worker, bridge, api] = live.roles;
  const pids = {
    api: api!.pid,
    'fold-bridge': bridge!.pid,
    'fold-worker': worker!.pid,
    redis: findProcess(/^redis-server /),
    kafka: findProcess(/java .*kafka\.Kafka/),
  };

  const reader = readFeed(d, index, committed);
  live.reader = reader;
  // All at once by default: a tenant's listeners arriving together once wedged the API's hub (a
  // read of no streams in a loop that never waited); live-hub.ts and a spec keep that fixed.
  const atOnce = process.env.BENCH_CONNECT_AT_ONCE !== '0';
  const consoles: Console[] = [];
  live.consoles = consoles;
  const allReady = async () => {
    consoles.push(openConsole(d, index, reach));
    if (!atOnce) await consoles[0]!.ready;
    while (consoles.length < CLIENTS) consoles.push(openConsole(d, index, reach));
    await Promise.all(consoles.map((c) => c.ready));
  };
  await Promise.race([
    allReady(),
    sleep(30_000).then(() => Promise.reject(new Error(`the consoles were not all ready within 30 s${atOnce ? ' (connected at once)' : ''}`))),
  ]);
  console.log(
    `consoles  ${CLIENTS} SSE clients on GET /v1/stream (Accept: text/event-stream, a full-access API key) in this process, all ready ` +
      `(${atOnce ? 'connected at once' : 'the first alone, then the rest'}); the baseline's reader: XREAD on the feed here`,
  );
  console.log(
    `load      Twilio-signed inbound SMS webhooks (POST ${SMS_PATH}) from ${fmt(CUSTOMERS)} phone numbers, at most ${IN_FLIGHT} in flight, from a process of its own`,
  );

  const run: Run = { d, consoles, reach, committed, pids };
  // The primer: roles up, the group joined, the whole path served once; nothing of it is counted.
  const primer = plan[0]!;
  const primed = await runLoad(run, primer, live, dir);
  if ((await settle(run, primer, primed.result, 90_000)) > 0) throw new Error('the primer did not reach every console within 90 s (roles up? see their output above)');
  await sleep(2000);

  const results: Array<{ phase: Phase; a: ReturnType<typeof analyse> }> = [];
  for (const phase of plan.slice(1)) {
    const { result, cpu, loopDelayP99 } = await runLoad(run, phase, live, dir);
    const unsettled = await settle(run, phase, result);
    const a = analyse(run, phase, result);
    results.push({ phase, a });
    const refusedText = a.refused === 0 ? 'none refused' : `${fmt(a.refused)} not accepted (${[...a.statuses].map(([status, count]) => `${status === -1 ? 'no answer' : status}: ${fmt(count)}`).join(', ')})`;
    console.log('');
    console.log(
      `${`${fmt(phase.rate)}/s`.padEnd(9)} offered ${fmt(phase.rate)}/s for ${SECONDS} s (sent at ${fmt(a.sentRate)}/s): ${fmt(a.accepted)} accepted at ${fmt(a.acceptRate)}/s, ${refusedText}; ` +
        `webhook answered in ${ms(a.answer)} (held back by the ${IN_FLIGHT}-request bound before sending: p99 ${fmt(a.heldBack.p99)} ms)`,
    );
    console.log(`          baseline, accepted → committed (the change feed entry's time, the fold's own lag): ${ms(a.toCommitted)}, max ${fmt(a.toCommitted.max)} ms`);
    console.log(
      `          accepted → received by the consoles (${CLIENTS} × ${fmt(a.accepted)} = ${fmt(a.toReceived.n)} deliveries): ${ms(a.toReceived)}, max ${fmt(a.toReceived.max)} ms`,
    );
    console.log(
      `          received after committed (the push path's own cost): ${ms(a.afterCommitted)}; ` +
        `first to last of the ${CLIENTS} consoles to receive a message: ${ms(a.spread)}`,
    );
    console.log(
      `          missed by a console: ${fmt(a.missedMessages)} messages (${fmt(a.missedDeliveries)} deliveries) of ${fmt(a.acceptedAll)} accepted, warm-up included` +
        `${unsettled > 0 ? ` (still missing ${SETTLE_MS / 1000} s after the last answer)` : ''}; received twice: ${fmt(a.doubled)}; never committed: ${fmt(a.notCommitted)}`,
    );
    console.log(
      `          CPU while sending, in cores: ${Object.entries(cpu.cores)
        .filter(([, v]) => Number.isFinite(v))
        .map(([name, v]) => `${name} ${v.toFixed(2)}`)
        .join(', ')}; machine ${(cpu.machineBusy * 100).toFixed(0)} % busy; ` +
        `event-loop delay p99: consoles' process ${fmt(loopDelayP99)} ms, load process ${fmt(result.loopDelayP99)} ms`,
    );
    await sleep(2000);
  }

  const lost = consoles.filter((c) => c.lost !== null);
  const reloads = consoles.reduce((n, c) => n + c.reloads, 0);
  console.log('');
  console.log(
    `consoles  ${lost.length === 0 ? 'every stream stayed open' : `${lost.length} streams ended early (${lost[0]!.lost})`}; ${reloads} reload events; ` +
      `the feed held ${fmt(reader.counts.identified)} customer.identified changes (${fmt(reader.identities())} distinct; a number's first message, not counted) ` +
      `and ${fmt(reader.counts.duplicates)} message changes twice`,
  );
  const target = results.find((x) => x.phase.rate === TARGET.rate) ?? results.at(-1);
  if (target) {
    const { a, phase } = target;
    const kept = a.acceptRate >= phase.rate * 0.95;
    const met = kept && a.toReceived.p99 < TARGET.p99Ms && a.missedMessages === 0 && a.doubled === 0;
    const why = met
      ? ''
      : !kept && a.toReceived.p99 < TARGET.p99Ms
        ? ': the latency is within it, but not at that rate'
        : a.toReceived.p99 >= TARGET.p99Ms
          ? ': the latency is over it'
          : ': consoles missed or doubled changes';
    console.log(
      `target    p99 accepted → received < ${TARGET.p99Ms} ms at ${fmt(TARGET.rate)} messages/s on this ${cpus().length}-core machine: ${met ? 'MET' : 'NOT MET'}${why} ` +
        `(p99 ${fmt(a.toReceived.p99)} ms at ${fmt(a.acceptRate)} accepted/s of ${fmt(phase.rate)}/s offered${a.missedMessages > 0 ? `, ${fmt(a.missedMessages)} messages missed` : ''})`,
    );
    if (!kept) console.log(`          the engine did not accept ${fmt(phase.rate)} messages/s on this machine: it accepted ${fmt(a.acceptRate)}/s, the rest waited in the load process`);
  }
  console.log(`machine   load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
}

if (process.env.BENCH_CONSOLE_LOAD) {
  loadProcess(JSON.parse(process.env.BENCH_CONSOLE_LOAD) as LoadSpec).catch((err: unknown) => {
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
