import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.ts';
import { configSchema } from '../../../src/config/schema.ts';
import { foldPolicies, tenantRegistry } from '../../../src/config/policies.ts';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A config folder with the shipped defaults and these tenant files. */
function configDir(tenants: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-tenants-'));
  dirs.push(dir);
  copyFileSync('config/default.yaml', join(dir, 'default.yaml'));
  mkdirSync(join(dir, 'tenants'));
  for (const [name, text] of Object.entries(tenants)) writeFileSync(join(dir, 'tenants', `${name}.yaml`), text);
  return dir;
}

describe('tenant settings files (config/tenants/<tenant>.yaml)', () => {
  it('the shipped example tenant exercises every section', () => {
    const settings = tenantRegistry(loadConfig({ env: {} }).tenants)('northwind');
    expect(settings.name).toBe('Northwind Shop');
    expect(settings.routing.teams.map((t) => t.name)).toEqual(expect.arrayContaining(['support', 'billing', 'tech-support', 'tech-tier2', 'supervisors']));
    expect(settings.routing.agents.length).toBeGreaterThanOrEqual(5);
    expect(settings.triage.categories.map((c) => c.name)).toEqual(expect.arrayContaining(['refund', 'technical', 'billing', 'complaint', 'general']));
    expect(Object.keys(settings.triage.categories[0]!.keywords)).toEqual(expect.arrayContaining(['en', 'ru', 'zh']));
    expect(settings.sla.calendars['berlin-office']).toMatchObject({ kind: 'business-hours', timeZone: 'Europe/Berlin' });
    expect(settings.sla.escalation.map((r) => r.tier)).toEqual(['tier1', 'tier2', 'supervisor']);
    expect(settings.survey.csat.throttle).toBe(7 * 24 * 3600 * 1000);
    expect(new Set(settings.knowledgeBase.map((a) => a.language))).toEqual(new Set(['en', 'ru', 'zh']));
  });

  it('given a bad file, loading stops with a message naming the file and the key', () => {
    const dir = configDir({ broken: 'routing:\n  teams: []\nsurvey:\n  csat: { throttle: soon }\n' });
    expect(() => loadConfig({ dir, env: {} })).toThrow(/tenants\/broken\.yaml: routing\.teams: .*\n.*tenants\/broken\.yaml: survey\.csat\.throttle/);
  });

  it('a tenant without a file gets the defaults of every section, and the fold its auto-resolve window', () => {
    const config = loadConfig({ dir: configDir({}), env: {} });
    const settings = tenantRegistry(config.tenants)('someone-else');
    expect(settings.routing.teams.map((t) => t.name)).toEqual(['support']);
    expect(settings.bot.enabled).toBe(true);
    expect(foldPolicies(config.tenants)('someone-else').autoResolveAfterMs).toBe(config.tenants.defaults.autoResolveAfter);
  });

  it('the config stays plain data: written out and read again, it gives the same settings', () => {
    const config = loadConfig({ env: {} });
    const again = configSchema.parse(JSON.parse(JSON.stringify(config)));
    expect(tenantRegistry(again.tenants)('northwind')).toEqual(tenantRegistry(config.tenants)('northwind'));
  });
});
