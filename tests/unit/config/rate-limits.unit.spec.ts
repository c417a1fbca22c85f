import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { configSchema, DEFAULT_RATE_LIMITS } from '../../../src/config/schema.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The shipped config with `local.yaml` on top, as an operator would write it. */
function withLocal(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
  dirs.push(dir);
  copyFileSync(resolve(import.meta.dirname, '../../../config/default.yaml'), join(dir, 'default.yaml'));
  writeFileSync(join(dir, 'local.yaml'), yaml);
  return () => loadConfig({ dir, env });
}

const minute = (max: number) => ({ max, window: 60_000 });

describe('the rate limits', () => {
  it('given the shipped config, then per key 3,000, per person 1,200, per address 30,000 on webhooks and 1,200 on chat, a minute each', () => {
    expect(loadConfig({ env: {} }).http.rateLimits).toEqual({ apiKey: minute(3_000), person: minute(1_200), webhookAddress: minute(30_000), chatAddress: minute(1_200) });
  });

  it('given a config without the section, then the same defaults', () => {
    const http = configSchema.shape.http.parse({ host: '127.0.0.1', port: 0 });
    expect(http.rateLimits).toEqual({
      apiKey: minute(DEFAULT_RATE_LIMITS.apiKey),
      person: minute(DEFAULT_RATE_LIMITS.person),
      webhookAddress: minute(DEFAULT_RATE_LIMITS.webhookAddress),
      chatAddress: minute(DEFAULT_RATE_LIMITS.chatAddress),
    });
  });

  it('given the environment, then each maximum is overridden and the windows kept', () => {
    const env = { RATE_LIMIT_API_KEY: '100', RATE_LIMIT_PERSON: '0', RATE_LIMIT_WEBHOOK_ADDRESS: '90000', RATE_LIMIT_CHAT_ADDRESS: '50' };
    expect(withLocal('http:\n  rateLimits:\n    chatAddress: { window: 10s }\n', env)().http.rateLimits).toEqual({
      apiKey: minute(100),
      person: minute(0),
      webhookAddress: minute(90_000),
      chatAddress: { max: 50, window: 10_000 },
    });
  });

  it('given a bad value, then the error names the key and the variable', () => {
    expect(withLocal('', { RATE_LIMIT_API_KEY: 'lots' })).toThrow(/http\.rateLimits\.apiKey\.max.*\(from RATE_LIMIT_API_KEY\)/);
    expect(withLocal('http:\n  rateLimits:\n    person: { window: 500ms }\n')).toThrow(/http\.rateLimits\.person\.window: at least 1s/);
  });
});
