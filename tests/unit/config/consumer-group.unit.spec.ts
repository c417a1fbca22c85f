import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { configSchema, DEFAULT_CONSUMER_GROUP } from '../../../src/config/schema.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The shipped config with `local.yaml` on top, as an operator would write it. */
function withLocal(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
  dirs.push(dir);
  copyFileSync(resolve(import.meta.dirname, '../../../config/default.yaml'), join(dir, 'default.yaml'));
  writeFileSync(join(dir, 'local.yaml'), yaml);
  return () => loadConfig({ dir, env: {} });
}

describe('the consumer group timing', () => {
  it('given the shipped config, then a session of 10 s, a heart-beat every 2 s and 30 s to rejoin a rebalance', () => {
    expect(loadConfig({ env: {} }).kafka.consumer).toEqual({ sessionTimeout: 10_000, heartbeatInterval: 2_000, rebalanceTimeout: 30_000 });
    expect(DEFAULT_CONSUMER_GROUP).toEqual({ sessionTimeout: 10_000, heartbeatInterval: 2_000, rebalanceTimeout: 30_000 });
  });

  it('given a config without the section, then the same defaults', () => {
    const kafka = configSchema.shape.kafka.parse({ clientId: 'x', brokers: ['127.0.0.1:9092'], topics: { events: 'e', deadLetter: 'd', rejectedInput: 'r' }, partitions: 1, replicationFactor: 1, publishTimeoutMs: 1000 });
    expect(kafka.consumer).toEqual(DEFAULT_CONSUMER_GROUP);
  });

  it('given durations in local.yaml, then they are read in milliseconds', () => {
    const load = withLocal('kafka:\n  consumer:\n    sessionTimeout: 8s\n    heartbeatInterval: 1s\n    rebalanceTimeout: 1m\n');
    expect(load().kafka.consumer).toEqual({ sessionTimeout: 8_000, heartbeatInterval: 1_000, rebalanceTimeout: 60_000 });
  });

  it('given a session past kafkajs’s request timeout or under the broker’s minimum, then the error names the setting', () => {
    expect(withLocal('kafka:\n  consumer:\n    sessionTimeout: 60s\n')).toThrow(/kafka\.consumer\.sessionTimeout/);
    expect(withLocal('kafka:\n  consumer:\n    sessionTimeout: 3s\n    heartbeatInterval: 1s\n')).toThrow(/kafka\.consumer\.sessionTimeout/);
  });

  it('given heart-beats too far apart for the session, then the error names the heart-beat', () => {
    expect(withLocal('kafka:\n  consumer:\n    heartbeatInterval: 5s\n')).toThrow(/kafka\.consumer\.heartbeatInterval/);
  });
});
