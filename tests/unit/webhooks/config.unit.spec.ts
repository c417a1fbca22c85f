import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { webhooksConfigSchema } from '../../../src/config/webhooks.ts';

const section = (subscriptions: unknown[]) => ({ queue: 'webhooks', consumerGroup: 'cs-webhooks', attempts: 3, backoff: '1s', timeout: '10s', concurrency: 4, fromBeginning: false, subscriptions });
const good = { id: 'crm', tenant: 'acme', url: 'https://crm.example/hooks', secret: 'whsec-0123456789abcdef', events: ['conversation.*', 'sla.breached'] };

/** What a failed parse says, as `path: message` lines. */
function problems(subscriptions: unknown[]): string[] {
  const result = webhooksConfigSchema.safeParse(section(subscriptions));
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('webhook subscriptions in the config', () => {
  it('given catalogue types, prefixes and *, for a tenant or every tenant, then the section is valid (durations in ms)', () => {
    const parsed = webhooksConfigSchema.parse(section([good, { ...good, id: 'bi', tenant: '*', events: ['*'] }]));
    expect(parsed.subscriptions.map((s) => s.id)).toEqual(['crm', 'bi']);
    expect(parsed.backoff).toBe(1000);
  });

  it('given an event type the catalogue does not know, or a pattern matching none, then the problem names the entry', () => {
    expect(problems([{ ...good, events: ['conversation.resolved', 'conversation.resolve'] }])).toEqual(['subscriptions.0.events.1: "conversation.resolve" is not an event type of the catalogue']);
    expect(problems([{ ...good, events: ['invoice.*'] }])).toEqual(['subscriptions.0.events.0: "invoice.*" matches no event type of the catalogue']);
  });

  it('given a bad URL, a short secret, no events or a reused id, then each is named', () => {
    expect(problems([{ ...good, url: 'ftp://crm.example' }])).toEqual(['subscriptions.0.url: an absolute http:// or https:// URL']);
    expect(problems([{ ...good, secret: 'short' }])[0]).toMatch(/^subscriptions\.0\.secret: at least 16 characters/);
    expect(problems([{ ...good, events: [] }])).toEqual(['subscriptions.0.events: at least one event type or pattern']);
    expect(problems([good, { ...good, url: 'https://other.example' }])).toEqual(['subscriptions.1.id: "crm" is the id of an earlier subscription']);
  });
});

describe('start-up with a bad subscription', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('given a config folder whose local.yaml subscribes to a misspelt type, when the config loads, then it stops with the key and the problem', () => {
    dir = mkdtempSync(join(tmpdir(), 'cs-webhooks-config-'));
    copyFileSync(join('config', 'default.yaml'), join(dir, 'default.yaml'));
    writeFileSync(
      join(dir, 'local.yaml'),
      ['webhooks:', '  subscriptions:', '    - id: crm', '      tenant: acme', '      url: https://crm.example/hooks', '      secret: whsec-0123456789abcdef', '      events: [sla.breach]', ''].join('\n'),
    );
    expect(() => loadConfig({ dir, env: {} })).toThrow('webhooks.subscriptions.0.events.0: "sla.breach" is not an event type of the catalogue');
  });
});
