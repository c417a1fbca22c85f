import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nanoid } from 'nanoid';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createEvent, type AnyEvent } from '../../events/index.ts';
import { conversationIdFor } from '../../src/domain/fold/conversation.ts';
import { startBridgeRole } from '../../src/roles/fold-bridge.ts';
import { startFoldWorkerRole } from '../../src/roles/fold-worker.ts';
import { rebuildProjections } from '../../src/fold/rebuild.ts';
import { createApiServer } from '../../src/api/server.ts';
import type { CustomerView } from '../../src/projections/views.ts';
import { openKafkaEventLog } from '../../src/log/event-log.ts';
import { createKafka } from '../../src/log/kafka.ts';
import { controlKeys, projectionKeys, TRANSCRIPT_LIMIT } from '../../src/projections/keys.ts';
import { eventually } from '../support/collect.ts';
import { testConfig } from '../support/engine.ts';
import { testLogger } from '../support/kafka.ts';
import { diffDumps, dumpNamespace } from '../support/namespace.ts';
import { dumpNamespacePipelined } from '../support/namespace-dump.ts';
import { tearDownDeployment } from '../support/teardown.ts';
import { waitForGroupCaughtUp, writeConfigDir } from '../support/workers.ts';

const root = resolve(import.meta.dirname, '../..');
const csBin = join(root, 'bin/cs.js');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Runs the `cs` command as an operator would, with this deployment's config folder. */
function runCs(args: string[], configDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [csBin, ...args], {
    cwd: root,
    env: { ...process.env, CS_CONFIG_DIR: configDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

const REBUILT = /^rebuilt namespace (\S+) from (\d+) events in [\d.]+s \(\d+ events\/s\); reads and the live fold now use it \(was (\S+)\)$/m;

describe('cs rebuild, through the public doors', () => {
  it('--help documents --no-switch', () => {
    const help = spawnSync(process.execPath, [csBin, 'rebuild', '--help'], { cwd: root, encoding: 'utf8', env: { ...process.env, CS_CONFIG_DIR: join(root, 'config') } });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--no-switch');
    expect(help.stdout).toContain('--namespace <name>');
  });

  it('rebuilds while traffic flows, switches API reads and the live fold to the new namespace, losing nothing', async () => {
    const config = testConfig({ partitions: 3 });
    const tenant = 'acme';
    const apiKey = `e2e-${nanoid(12)}-0123456789`;
    config.http = { ...config.http, host: '127.0.0.1', port: 0, apiKeys: { [apiKey]: tenant } };
    const configDir = writeConfigDir(config);
    const kafka = createKafka(config.kafka, testLogger);
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    const extraNamespaces: string[] = [];
    const extraGroups: string[] = [];
    cleanups.push(async () => {
      // Whatever a rebuild switched to, even if the test failed before reading the CLI's answer.
      const live = await redis.hgetall(controlKeys(config.instance).liveFold);
      if (live.namespace) extraNamespaces.push(live.namespace);
      if (live.group) extraGroups.push(live.group);
      await tearDownDeployment(config, redis, kafka, { namespaces: extraNamespaces, groups: extraGroups });
      redis.disconnect();
      rmSync(configDir, { recursive: true, force: true });
    });

    // The deployment: live fold (bridge + worker) and the HTTP API, reading the active namespace per request.
    const bridge = await startBridgeRole(config, testLogger);
    cleanups.push(() => bridge.close());
    const worker = startFoldWorkerRole(config, testLogger);
    cleanups.push(() => worker.close());
    const eventLog = await openKafkaEventLog({ kafka, topic: config.kafka.topics.events, publishTimeoutMs: 20_000 });
    cleanups.push(() => eventLog.close());
    const app = createApiServer({ config, redis, eventLog, logger: testLogger });
    await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const headers = { authorization: `Bearer ${apiKey}` };

    const publish = async (events: AnyEvent[]) => {
      const response = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-ndjson' },
        body: events.map((e) => JSON.stringify(e)).join('\n'),
      });
      expect(response.status, await response.clone().text()).toBe(202);
    };
    const customer = async (id: string): Promise<{ status: number; view: CustomerView }> => {
      const response = await fetch(`${base}/v1/customers/${id}?limit=${TRANSCRIPT_LIMIT}`, { headers });
      return { status: response.status, view: (await response.json()) as CustomerView };
    };

    let clock = Date.parse('2026-04-01T09:00:00.000Z');
    const time = () => new Date((clock += 1000)).toISOString();
    const wrote = (who: string, text: string) =>
      createEvent({ type: 'message.received', source: '/tests/e2e', tenant, customer: who, time: time(), data: { channel: 'email', provider: 'smtp', handle: `${who}@example.com`, text } });

    // A scenario: Ana writes, an agent answers, Ana writes again; Ben writes once.
    const opened = wrote('ana', 'Where is my refund?');
    const conversation = conversationIdFor(opened.id);
    await publish([
      opened,
      createEvent({ type: 'message.sent', source: '/tests/e2e', tenant, customer: 'ana', conversation, time: time(), data: { channel: 'email', provider: 'smtp', author: { kind: 'agent', id: 'agent-7' }, text: 'It left today.' } }),
      wrote('ana', 'Thank you!'),
      wrote('ben', 'Hello'),
    ]);
    await eventually('Ana folded and readable over HTTP', async () => {
      const { status, view } = await customer('ana');
      return status === 200 && view.timeline.length === 3;
    });
    const before = await customer('ana');
    expect(before.view.timeline.map((e) => [e.direction, e.text])).toEqual([
      ['in', 'Where is my refund?'],
      ['out', 'It left today.'],
      ['in', 'Thank you!'],
    ]);
    expect(before.view.conversations.map((c) => [c.id, c.status, c.messageCount])).toEqual([[conversation, 'open', 3]]);

    // The operator rebuilds while customers keep writing: Cara writes every 100 ms, before, during
    // and after the switch, until the live bridge has moved over. A reader watches her timeline.
    const during: string[] = [];
    let publishing = true;
    const traffic = (async () => {
      for (let n = 0; publishing; n++) {
        const event = wrote('cara', `message ${n}`);
        await publish([event]);
        during.push(event.id);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const seenLengths: Array<{ at: number; ns: string | null; length: number }> = [];
    let watching = true;
    cleanups.push(async () => {
      watching = false;
      await watcher;
    });
    const watcher = (async () => {
      while (watching) {
        const ns = await redis.get(controlKeys(config.instance).activeNamespace);
        const { status, view } = await customer('cara');
        seenLengths.push({ at: Date.now(), ns, length: status === 200 ? view.timeline.length : 0 });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    let namespace = '';
    let group = '';
    let followMs = -1;
    try {
      const rebuild = await runCs(['rebuild'], configDir);
      expect(rebuild.code, rebuild.stderr).toBe(0);
      const line = REBUILT.exec(rebuild.stdout);
      expect(line, rebuild.stdout).not.toBeNull();
      const [, rebuilt, folded, previous] = line!;
      namespace = rebuilt!;
      group = `${config.fold.consumerGroup}@${namespace}`;
      expect(previous).toBe(config.fold.namespace);
      expect(namespace).not.toBe(config.fold.namespace);
      expect(Number(folded)).toBeGreaterThanOrEqual(4);

      // The switch is one Redis transaction on the deployment's control keys.
      const control = controlKeys(config.instance);
      expect(await redis.get(control.activeNamespace)).toBe(namespace);
      // The namespace the fold left is kept, so the step pump drains what its last commits asked for.
      expect(await redis.hgetall(control.liveFold)).toEqual({ namespace, group, previous: config.fold.namespace });

      // The live bridge follows within its poll interval (1 s), while Cara keeps writing.
      const exitedAt = Date.now();
      await eventually('the live bridge follows the switch', () => bridge.current().namespace === namespace, 10_000);
      expect(bridge.current()).toEqual({ namespace, group });
      followMs = Date.now() - exitedAt;
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      publishing = false;
      await traffic;
    }
    expect(during.length).toBeGreaterThan(10);

    // Reads now come from the new namespace, and it holds the same view of Ana.
    const after = await customer('ana');
    expect(after.status).toBe(200);
    expect(after.view).toEqual(before.view);

    // Every message Cara wrote around the rebuild is there exactly once: nothing lost or folded twice at the handover.
    await eventually(
      "Cara's messages folded into the new namespace",
      async () => {
        const { status, view } = await customer('cara');
        return status === 200 && (view.conversations[0]?.messageCount ?? 0) >= during.length;
      },
      20_000,
    );
    const cara = await customer('cara');
    expect(cara.view.conversations.map((c) => c.messageCount)).toEqual([during.length]);
    // The timeline holds the latest TRANSCRIPT_LIMIT entries.
    expect(cara.view.timeline.map((e) => e.eventId)).toEqual(during.slice(-TRANSCRIPT_LIMIT));
    watching = false;
    await watcher;

    // Written after the switch: folded by the live fold into the new namespace only, and read from it.
    const late = wrote('dan', 'I am new here');
    await publish([late]);
    await eventually('Dan readable over HTTP', async () => (await customer('dan')).status === 200, 20_000);
    const dan = await customer('dan');
    expect(dan.view.timeline.map((e) => [e.eventId, e.text])).toEqual([[late.id, 'I am new here']]);
    expect(await redis.exists(projectionKeys(namespace).fold(tenant, 'dan'))).toBe(1);
    expect(await redis.exists(projectionKeys(config.fold.namespace).fold(tenant, 'dan'))).toBe(0);

    // The live namespace after the handover is byte-equal to a clean rebuild of the whole log.
    await waitForGroupCaughtUp(kafka, group, config.kafka.topics.events, 30_000);
    const checkNs = `${config.fold.namespace}-check`;
    extraNamespaces.push(checkNs);
    extraGroups.push(`${config.fold.consumerGroup}@${checkNs}`);
    const check = await rebuildProjections({ config, kafka, redis, logger: testLogger, namespace: checkNs, switchReads: false });
    expect(check.events).toBe(4 + during.length + 1);
    const liveDump = await dumpNamespace(redis, namespace);
    expect(diffDumps(liveDump, await dumpNamespace(redis, checkNs))).toEqual([]);
    // The pipelined dump the large specs use reads every key type exactly as dumpNamespace does.
    expect(await dumpNamespacePipelined(redis, namespace)).toEqual(liveDump);
    // The check did not move anything.
    expect(await redis.get(controlKeys(config.instance).activeNamespace)).toBe(namespace);
    const regressions = seenLengths.filter((s, i) => i > 0 && s.length < seenLengths[i - 1]!.length);
    console.info(
      `rebuild e2e (${config.instance}, rebuilt into ${namespace}): ${during.length} events published around the rebuild; bridge followed ${followMs} ms after the CLI exited; ` +
        `${seenLengths.length} reads, ${regressions.length} went backwards: ${JSON.stringify(regressions.slice(0, 5).map((r) => ({ ...r, prev: seenLengths[seenLengths.indexOf(r) - 1] })))}`,
    );
  }, 120_000);
});
