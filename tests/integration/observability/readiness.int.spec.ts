import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { createKafka } from '../../../src/log/kafka.ts';
import { mediaQueueName } from '../../../src/roles/outbound.ts';
import { startOwnBroker, type OwnBroker } from '../../../scripts/chaos/broker.ts';
import { startDroppableProxy } from '../../support/droppable-proxy.ts';
import { testConfig } from '../../support/engine.ts';
import { RoleProcesses } from '../../support/failover.ts';
import { freePort } from '../../support/free-port.ts';
import { testLogger } from '../../support/kafka.ts';
import { obliterateQueues, tearDownDeployment } from '../../support/teardown.ts';
import { writeConfigDir } from '../../support/workers.ts';
import { isReady, probe, waitForProbe, type Probe } from './support.ts';

/**
 * Readiness follows the dependencies without a restart: roles as processes, Redis behind a TCP
 * proxy the spec cuts (every connection closed, new ones refused) and restores, Kafka a broker of
 * the spec's own (scripts/chaos/broker.ts) stopped and started again. Each role must answer 503
 * naming what failed, keep answering /healthz 200, and turn ready again once it is back.
 */

// The outage makes the roles log every failed attempt; the spec reads their probes instead.
const quiet: Record<string, string> = process.env.TEST_LOG_LEVEL ? {} : { LOG_LEVEL: 'fatal' };
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
const failing = (check: string) => (p: Probe) => p.status === 503 && (p.body.failed ?? []).includes(check);

let cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error(err));
  cleanups = [];
}, 90_000);

/** Starts `roles` as processes over `config`: the api on its HTTP port, the others on a metrics port each. */
async function startRoles(config: Config, roles: readonly string[]) {
  const configDir = writeConfigDir(config);
  const processes = new RoleProcesses(configDir);
  cleanups.push(async () => {
    await processes.stopAll();
    rmSync(configDir, { recursive: true, force: true });
  });
  const started: Array<{ role: string; base: string; child: ChildProcess }> = [];
  for (const role of roles) {
    const port = role === 'api' ? config.http.port : await freePort();
    const metricsPort: Record<string, string> = role === 'api' ? {} : { METRICS_PORT: String(port), METRICS_HOST: '127.0.0.1' };
    const child = processes.start(role, { ...quiet, ...metricsPort });
    started.push({ role, base: `http://127.0.0.1:${port}`, child });
  }
  await Promise.all(started.map((r) => waitForProbe(r.base, '/readyz', isReady, { timeoutMs: 110_000, process: r.child })));
  return started;
}

/** What the roles of a test deployment left in Redis and Kafka (through `redisUrl`, not the proxy). */
function cleanUpDeployment(config: Config, redisUrl: string) {
  return async () => {
    const redis = new Redis(redisUrl);
    try {
      await obliterateQueues(redis, [config.outbound.queue, mediaQueueName(config.outbound.queue)]);
      await tearDownDeployment(config, redis, createKafka(config.kafka, testLogger), { groups: [config.outbound.consumerGroup] });
    } finally {
      redis.disconnect();
    }
  };
}

describe('readiness follows Redis and Kafka, without a restart', () => {
  it('Redis cut and restored: the api (its HTTP port) and outbound (its metrics port) turn 503 naming redis, stay alive, and turn ready again', async () => {
    const base = testConfig();
    const proxy = await startDroppableProxy(base.redis.url);
    cleanups.push(() => proxy.close());
    const config: Config = { ...base, redis: { url: proxy.url.replace(/^http:/, 'redis:') }, http: { ...base.http, host: '127.0.0.1', port: await freePort() } };
    cleanups.push(cleanUpDeployment(config, base.redis.url));
    const roles = await startRoles(config, ['api', 'outbound']);

    const cutAt = performance.now();
    proxy.drop();
    const unready = await Promise.all(roles.map((r) => waitForProbe(r.base, '/readyz', failing('redis'), { timeoutMs: 30_000, process: r.child })));
    for (const [i, answer] of unready.entries()) {
      expect(answer.body, roles[i]!.role).toMatchObject({ status: 'unready', error: 'unready', checks: { kafka: 'ok' } });
      expect(answer.body.message, roles[i]!.role).toMatch(/^not ready: .*redis/);
    }
    for (const r of roles) expect((await probe(r.base, '/healthz')).status, `${r.role} alive while Redis is away`).toBe(200);
    const unreadyMs = Math.round(performance.now() - cutAt);

    const restoredAt = performance.now();
    proxy.restore();
    const ready = await Promise.all(roles.map((r) => waitForProbe(r.base, '/readyz', isReady, { timeoutMs: 60_000, process: r.child })));
    const readyMs = Math.round(performance.now() - restoredAt);
    for (const r of roles) expect(running(r.child), `${r.role} was not restarted`).toBe(true);
    expect(ready.every((r) => r.body.checks?.redis === 'ok')).toBe(true);
    console.log(`[readiness] Redis cut: api and outbound unready within ${(unreadyMs / 1000).toFixed(1)} s; restored: ready again within ${(readyMs / 1000).toFixed(1)} s`);
  }, 240_000);

  it('Kafka stopped and started: outbound (consumer, producer, workers) turns 503 naming kafka, then its consumer once out of its group, stays alive, and turns ready again once back in it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-readiness-broker-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const brokerStarted = performance.now();
    const broker: OwnBroker = await startOwnBroker(dir);
    cleanups.push(() => broker.dispose());
    const brokerStartMs = Math.round(performance.now() - brokerStarted);
    const base = testConfig();
    const config: Config = { ...base, kafka: { ...base.kafka, brokers: [broker.address] } };
    // The broker goes with its data; what the role queued in Redis is removed here.
    cleanups.push(async () => {
      const redis = new Redis(config.redis.url);
      await obliterateQueues(redis, [config.outbound.queue, mediaQueueName(config.outbound.queue)]).finally(() => redis.disconnect());
    });
    const [outbound] = await startRoles(config, ['outbound']);

    const stoppedAt = performance.now();
    await broker.stop(false);
    const unready = await waitForProbe(outbound!.base, '/readyz', failing('kafka'), { timeoutMs: 30_000, process: outbound!.child });
    const unreadyMs = Math.round(performance.now() - stoppedAt);
    expect(unready.body).toMatchObject({ status: 'unready', checks: { redis: 'ok' } });
    expect((await probe(outbound!.base, '/healthz')).status).toBe(200);
    // Past the client's retries (about 20 s) the consumer's run crashes and leaves the group: readiness says so too.
    const consumer = `consumer:${config.outbound.consumerGroup}`;
    await waitForProbe(outbound!.base, '/readyz', failing(consumer), { timeoutMs: 90_000, process: outbound!.child });
    const outOfGroupMs = Math.round(performance.now() - stoppedAt);

    const restartAt = performance.now();
    await broker.start();
    const answeredMs = Math.round(performance.now() - restartAt);
    const ready = await waitForProbe(outbound!.base, '/readyz', isReady, { timeoutMs: 90_000, process: outbound!.child });
    const readyMs = Math.round(performance.now() - restartAt);
    expect(running(outbound!.child)).toBe(true);
    expect(ready.body.checks).toMatchObject({ kafka: 'ok', [consumer]: 'ok' });
    console.log(
      `[readiness] own broker started in ${(brokerStartMs / 1000).toFixed(1)} s; stopped: outbound unready within ${(unreadyMs / 1000).toFixed(1)} s, ` +
        `out of its group after ${(outOfGroupMs / 1000).toFixed(1)} s; started again: answering after ${(answeredMs / 1000).toFixed(1)} s, outbound ready after ${(readyMs / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});
