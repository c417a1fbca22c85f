import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import type { TranscriptEntry } from '../../src/domain/state.ts';
import { createKafka } from '../../src/log/kafka.ts';
import type { CustomerView } from '../../src/projections/views.ts';
import { startSmtpSink } from '../integration/outbound/support.ts';
import { eventually } from '../support/collect.ts';
import { envExampleVariables, interpolateAll, readCompose, readDockerfile, type ComposeFile } from '../support/deployment-files.ts';
import { testConfig } from '../support/engine.ts';
import { freePort } from '../support/free-port.ts';
import { testLogger } from '../support/kafka.ts';
import { apiClient, postAsTwilio, twilioInboundSms } from './support/doors.ts';
import { buildImage, healthy, removeImage, startContainer, unprivilegedUser, type Container, type Image } from './support/image.ts';
import { leftoverKeys, tearDownEngine } from './support/teardown.ts';

/**
 * The production build, run as docker-compose.yml runs it: `npm run build` as the Dockerfile's
 * build stage runs it, the image laid out in a temp folder, and every engine service of the
 * compose file started from it (`node … dist/workers/main.js <role>` from /app, as the image's
 * unprivileged user, with the image's ENV and the service's environment, `.env`'s variables given
 * test values, its named volumes). Only what cannot be the same on one machine differs: Kafka and
 * Redis are this machine's, the names (topics, groups, queues) are the spec's own through a
 * local.yaml in the config folder, as an operator adds one, and each role gets ports of its own.
 */

const SUPPORT = 'support@acme.test';
const JANE = 'jane@example.com';
const JANE_PHONE = '+14155550123';
const OUR_NUMBER = '+15005550006';
/** The long-running roles, started together once `provision` has made the topics (compose starts them in any order). */
const ROLES = ['fold-bridge', 'fold-worker', 'workflow', 'outbound', 'webhooks', 'smtp', 'api'];

const base = testConfig();
const tenant = `img-${base.instance.slice(5)}`;
const apiKey = `img-key-${randomBytes(16).toString('hex')}`;
const accountSid = `AC${randomBytes(16).toString('hex')}`;
const authToken = randomBytes(16).toString('hex');
const publicUrl = 'https://cs.example.test';

/** Test values for every variable of `.env.example` (the compose spec holds the file to the variables it interpolates). */
const dotEnv: Record<string, string> = {
  SESSION_SECRET: randomBytes(24).toString('hex'),
  LINK_SECRET: randomBytes(16).toString('hex'),
  PUBLIC_URL: publicUrl,
  API_KEYS_JSON: JSON.stringify({ [apiKey]: tenant }),
  TWILIO_ACCOUNTS_JSON: JSON.stringify({ [accountSid]: { tenant, authToken, from: OUR_NUMBER } }),
  META_APP_SECRET: randomBytes(16).toString('hex'),
  META_VERIFY_TOKEN: randomBytes(8).toString('hex'),
  META_ROUTES_JSON: JSON.stringify({ [`1065${randomBytes(4).readUInt32BE(0)}`]: { tenant, accessToken: `EAAG${randomBytes(8).toString('hex')}` } }),
  EMAIL_WEBHOOK_PASSWORD: randomBytes(12).toString('hex'),
  // None: the webhooks role idles (it still starts, is healthy and stops).
  WEBHOOK_SUBSCRIPTIONS_JSON: '',
  METRICS_TOKEN: randomBytes(16).toString('hex'),
  // Personal data sealed in every role, as a deployment with master keys runs.
  MASTER_KEYS_JSON: JSON.stringify({ 'image-spec': randomBytes(32).toString('base64') }),
  MASTER_KEY_ACTIVE: 'image-spec',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
};

let image: Image;
let compose: ComposeFile;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let config: Config;
let httpPort: number;
let smtpPort: number;
const containers = new Map<string, Container>();
const timings: Record<string, number> = {};
const api = () => apiClient(`http://127.0.0.1:${httpPort}`, apiKey);

beforeAll(async () => {
  const t0 = performance.now();
  sink = await startSmtpSink();
  httpPort = await freePort();
  smtpPort = await freePort();
  // The spec's names and channels, as an operator's local.yaml beside default.yaml in the image's
  // config folder (the roles read CS_CONFIG_DIR=/app/config, the image's ENV).
  config = {
    ...base,
    channels: {
      ...base.channels,
      email: {
        ...base.channels.email,
        smtp: { ...base.channels.email.smtp, port: smtpPort },
        addresses: { [SUPPORT]: tenant },
        outbound: { host: '127.0.0.1', port: sink.port, secure: false, from: `Acme Support <${SUPPORT}>` },
      },
    },
  };
  const local = {
    instance: config.instance,
    kafka: { clientId: config.kafka.clientId, topics: config.kafka.topics, partitions: config.kafka.partitions },
    fold: { namespace: config.fold.namespace, consumerGroup: config.fold.consumerGroup, queue: config.fold.queue, workflowQueue: config.fold.workflowQueue },
    outbound: { queue: config.outbound.queue, consumerGroup: config.outbound.consumerGroup, fromBeginning: true, backoff: '200ms' },
    webhooks: { queue: config.webhooks.queue, consumerGroup: config.webhooks.consumerGroup },
    channels: { email: config.channels.email },
  };
  const configDir = readDockerfile().at(-1)!.env.CS_CONFIG_DIR!;
  image = buildImage(unprivilegedUser(), { files: { [`${configDir}/local.yaml`]: stringify(local) }, say: (line) => console.log(line) });
  timings.build = Math.round(image.buildMs);
  timings.layout = Math.round(performance.now() - t0);

  compose = interpolateAll(readCompose(), dotEnv);
  // The port each role's healthcheck asks (`process.env.X||9464`): in a container every role has
  // it to itself; here they share a host, so each gets a free one through that variable.
  const ports: Record<string, Record<string, string>> = {};
  for (const role of ROLES) {
    const [, variable] = /process\.env\.([A-Z_]+)\|\|\d+/.exec(String(compose.services[role]!.healthcheck?.test)) ?? [];
    if (!variable) throw new Error(`${role}: no port variable in its healthcheck`);
    ports[role] = { [variable]: String(role === 'api' ? httpPort : await freePort()) };
  }
  const start = (service: string) =>
    startContainer(image, compose, service, {
      // The compose network's addresses are this machine's Kafka and Redis.
      rewrite: (variable, value) => (variable === 'KAFKA_BROKERS' ? config.kafka.brokers.join(',') : variable === 'REDIS_URL' ? config.redis.url : value),
      env: ports[service] ?? {},
    });

  const provision = start('provision');
  containers.set('provision', provision);
  const provisioned = await provision.exit;
  if (provisioned.code !== 0) throw new Error(`provision exited ${JSON.stringify(provisioned)}:\n${provision.output()}`);
  timings.provision = Math.round(performance.now() - t0) - timings.layout;

  for (const role of ROLES) containers.set(role, start(role));
  const readyz = (role: string) => () => fetch(`http://127.0.0.1:${Object.values(ports[role]!)[0]}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok);
  await Promise.all(ROLES.map(async (role) => (timings[`healthy ${role}`] = await healthy(containers.get(role)!, 90_000, readyz(role)))));
}, 600_000);

afterAll(async () => {
  await Promise.all([...containers.values()].map((c) => c.stop()));
  // The names are base's (local.yaml changes only channels), set even when the start failed half-way.
  const redis = new Redis(base.redis.url, { maxRetriesPerRequest: null });
  try {
    await tearDownEngine(base, redis, createKafka(base.kafka, testLogger));
    // Whatever the roles wrote under the spec's names is gone (a leak here is a leak of the teardown).
    expect(await leftoverKeys(redis, base)).toEqual([]);
  } finally {
    redis.disconnect();
    await sink?.close();
    if (image) removeImage(image);
  }
  console.log(`image spec timings (ms): ${JSON.stringify(timings)}`);
}, 180_000);

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const storeFiles = () => readdirSync(join(image.dir, 'volumes', 'attachments'));

async function customerOf(handle: string, ready: (v: CustomerView) => boolean): Promise<CustomerView> {
  let view: CustomerView | undefined;
  await eventually(
    `the customer of ${handle} through the api`,
    async () => {
      const answer = await api().get<CustomerView>(`/v1/customers?handle=${encodeURIComponent(handle)}`);
      view = answer.status === 200 ? answer.body! : undefined;
      return view !== undefined && ready(view);
    },
    30_000,
  );
  return view!;
}

describe('the image, run as docker-compose.yml runs it', () => {
  it('runs every role as the unprivileged user, from a code folder it cannot write to', () => {
    for (const role of ROLES) {
      const container = containers.get(role)!;
      expect(container.running(), `${role} runs`).toBe(true);
      expect(readFileSync(`/proc/${container.child.pid}/status`, 'utf8'), `${role} runs as uid ${image.user.uid}`).toMatch(new RegExp(`^Uid:\\s+${image.user.uid}\\s`, 'm'));
    }
    // The emulation holds: the user cannot write the code's folder, and can write the store.
    const writable = (path: string) => {
      const [command, ...args] = image.user.wrap([process.execPath, '-e', `require('node:fs').accessSync(${JSON.stringify(path)}, 2)`]);
      return spawnSync(command!, args).status === 0;
    };
    expect(writable(join(image.rootfs, image.stage.workdir)), 'the code folder').toBe(false);
    expect(writable(join(image.rootfs, image.stage.workdir, 'config')), 'the config folder').toBe(false);
    expect(writable(join(image.dir, 'volumes', 'attachments')), 'the attachment store').toBe(true);
    // The roles that keep files find the store on the one volume they share.
    for (const role of ['smtp', 'api', 'outbound']) expect(containers.get(role)!.env.ATTACHMENTS_DIR, role).toBe(join(image.dir, 'volumes', 'attachments'));
    // Nothing was written into the image's folders: the code and the config are as laid out.
    expect(existsSync(join(image.rootfs, image.stage.workdir, '.stack'))).toBe(false);
  });

  it('a mail with an attachment, through the smtp role: the conversation through the api with the key from the environment, the file downloadable', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3000)]);
    const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: false });
    try {
      const sent = await mailer.sendMail({ from: `Jane Doe <${JANE}>`, to: SUPPORT, subject: 'Invoice', text: 'The invoice is attached.', attachments: [{ filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' }] });
      expect(sent.response).toMatch(/^250 OK: accepted as \S+/);
    } finally {
      mailer.close();
    }
    // The smtp role stored the file (and the mail itself) in the shared volume.
    expect(storeFiles()).toContain(sha256(pdf));

    const view = await customerOf(JANE, (v) => v.conversations.length === 1);
    const conversation = await api().get<{ transcript: TranscriptEntry[] }>(`/v1/conversations/${view.conversations[0]!.id}`);
    expect(conversation.status).toBe(200);
    const [line] = conversation.body!.transcript;
    expect(line).toMatchObject({ direction: 'in', channel: 'email', text: 'The invoice is attached.' });
    const file = line!.attachments?.find((a) => a.filename === 'invoice.pdf');
    expect(file).toMatchObject({ key: sha256(pdf), contentType: 'application/pdf', size: pdf.length });

    // The api reads what the smtp role wrote.
    const download = await fetch(`http://127.0.0.1:${httpPort}/v1/conversations/${view.conversations[0]!.id}/attachments/${file!.key}`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(pdf);
  });

  it("an agent's upload through the api, sent with a reply by the outbound role", async () => {
    const view = await customerOf(JANE, (v) => v.conversations.length === 1);
    const conversationId = view.conversations[0]!.id;
    const label = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(2000)]);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(label)], { type: 'image/png' }), 'label.png');
    const uploaded = await fetch(`http://127.0.0.1:${httpPort}/v1/attachments`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: form });
    const body = (await uploaded.json()) as { key: string; filename: string; contentType: string };
    expect(uploaded.status, JSON.stringify(body)).toBe(201);
    expect(storeFiles()).toContain(body.key);

    const reply = await api().post(`/v1/conversations/${conversationId}/messages`, { authorId: 'agent-1', text: 'Here is your return label.', attachments: [{ key: body.key, filename: body.filename, contentType: body.contentType }] });
    expect(reply.status, reply.text).toBe(202);
    await eventually('the reply at the customer\'s mail server', () => sink.mails.some((m) => m.to.includes(JANE)), 30_000);
    const mail = await simpleParser(sink.mails.find((m) => m.to.includes(JANE))!.raw);
    expect(mail.text?.trim()).toContain('Here is your return label.');
    expect(mail.attachments.map((a) => [a.filename, a.content.equals(label)])).toEqual([['label.png', true]]);
  });

  it('a signed Twilio SMS, checked with the account from TWILIO_ACCOUNTS_JSON against PUBLIC_URL', async () => {
    const sms = twilioInboundSms({ accountSid, messageSid: `SM${randomBytes(16).toString('hex')}`, from: JANE_PHONE, to: OUR_NUMBER, body: 'Did you get my mail?' });
    const answer = await postAsTwilio(`http://127.0.0.1:${httpPort}`, publicUrl, authToken, '/webhooks/twilio/sms', sms);
    expect(answer).toMatchObject({ status: 200, text: '<Response/>' });
    const view = await customerOf(JANE_PHONE, (v) => v.timeline.length === 1);
    expect(view.timeline[0]).toMatchObject({ direction: 'in', channel: 'sms', text: 'Did you get my mail?' });
  });

  it('every role stops on SIGTERM within its stop_grace_period, exit code 0', async () => {
    const stopped = await Promise.all(ROLES.map(async (role) => [role, await containers.get(role)!.stop()] as const));
    for (const [role, exit] of stopped) expect({ role, code: exit.code, killed: exit.killed }, containers.get(role)!.output()).toEqual({ role, code: 0, killed: false });
  });
});

// Every variable of .env.example has a test value above, and nothing else does.
describe('the spec\'s .env', () => {
  it('gives a value to every variable of .env.example', () => {
    expect(Object.keys(dotEnv).sort()).toEqual(envExampleVariables().sort());
  });
});
