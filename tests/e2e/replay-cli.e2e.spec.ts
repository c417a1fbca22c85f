import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toKafkaRecord, type AnyEvent } from '../../events/index.ts';
import { foldPolicies } from '../../src/config/policies.ts';
import { loadConfig } from '../../src/config/load.ts';
import { generateStream } from '../../scripts/sim/stream.ts';
import { chromiumPath } from '../support/browser.ts';
import { freshTopics, testKafka } from '../support/kafka.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const cs = (...args: string[]) => run(process.execPath, [join(root, 'bin/cs.js'), ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' }, maxBuffer: 64 * 1024 * 1024 });

const dir = mkdtempSync(join(tmpdir(), 'cs-cli-'));
const stream: AnyEvent[] = [...generateStream({ events: 3000, customers: 300, seed: 99, policy: foldPolicies(loadConfig().tenants)('acme') })];
const kafka = testKafka();
let topics: Awaited<ReturnType<typeof freshTopics>>;

beforeAll(async () => {
  topics = await freshTopics(kafka, 3);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: topics.names.events, messages: stream.map(toKafkaRecord) });
  await producer.disconnect();
});
afterAll(async () => topics.cleanup());

describe('the cs command', () => {
  it('has --help on every command', async () => {
    for (const command of ['replay', 'merge', 'report', 'export', 'conversation', 'rebuild']) {
      const { stdout } = await cs(command, '--help');
      expect(stdout).toContain(`Usage: cs ${command}`);
    }
    const replayHelp = (await cs('replay', '--help')).stdout;
    for (const option of ['--file', '--kafka', '--topic', '--since', '--until', '--format', '--group-by', '--tenant', '--auto-resolve-after', '--threads', '--share', '--partial', '--out']) expect(replayHelp).toContain(option);
  }, 60_000);

  it('exports the topic, and the file and the topic replay to the same JSON report', async () => {
    const file = join(dir, 'events.ndjson.gz');
    const exported = await cs('export', '--topic', topics.names.events, '--out', file);
    expect(exported.stderr).toContain(`${stream.length} events written`);
    const fromFile = JSON.parse((await cs('replay', '--file', file, '--format', 'json', '--group-by', 'channel,week')).stdout) as Record<string, unknown>;
    // Three fold threads from Kafka, the default from the file: the report does not depend on the split.
    const fromKafka = JSON.parse((await cs('replay', '--kafka', '--topic', topics.names.events, '--threads', '3', '--format', 'json', '--group-by', 'channel,week')).stdout) as Record<string, unknown>;
    expect(Object.keys(fromFile)).toEqual(['total', 'groups', 'meta']);
    expect(fromFile.total).toEqual(fromKafka.total);
    expect(fromFile.groups).toEqual(fromKafka.groups);
    // Each thread consumed its own share of the partitions: every record read once, none twice
    // (the stream's own re-deliveries are dropped as duplicates, as from the file).
    const { folded, duplicates } = fromFile.meta as { folded: number; duplicates: number };
    expect(folded).toBeGreaterThan(0);
    expect(fromKafka.meta).toMatchObject({ read: stream.length, folded, duplicates });
    expect(fromFile.total).toMatchObject({ conversations: expect.any(Number), customerInitiated: expect.any(Number), firstResponseSeconds: { count: expect.any(Number), mean: expect.any(Number), median: expect.any(Number), p90: expect.any(Number) } });
    expect((fromFile.groups as Array<{ key: unknown }>)[0]!.key).toEqual({ channel: 'chat', week: '2026-W02' });
  }, 60_000);

  it('split over 1, 2 and 3 processes (--share K/N --partial, then cs merge), gives the same JSON report byte for byte', async () => {
    const figures = (json: string) => {
      const { total, groups, meta } = JSON.parse(json) as { total: unknown; groups: unknown; meta: { read: number; folded: number; duplicates: number } };
      return { report: JSON.stringify({ total, groups }), read: meta.read, folded: meta.folded, duplicates: meta.duplicates };
    };
    const options = ['--group-by', 'channel,week', '--fcr-window', '3d'];
    const one = figures((await cs('replay', '--kafka', '--topic', topics.names.events, '--format', 'json', ...options)).stdout);
    for (const n of [2, 3]) {
      const files = Array.from({ length: n }, (_, i) => join(dir, `share-${i + 1}-of-${n}.json`));
      // The shares run at once, as on separate machines: each reads its partitions only.
      await Promise.all(files.map((file, i) => cs('replay', '--kafka', '--topic', topics.names.events, '--share', `${i + 1}/${n}`, '--partial', file, ...options)));
      const merged = figures((await cs('merge', ...files.reverse(), '--format', 'json')).stdout);
      expect(merged).toEqual(one);
    }
    expect(one.read).toBe(stream.length);

    // A share left out, or asked another question, is refused by name rather than merged into a smaller or a mixed report.
    const [first, second] = [join(dir, 'share-1-of-2.json'), join(dir, 'share-2-of-2.json')];
    await expect(cs('merge', first)).rejects.toMatchObject({ stderr: expect.stringContaining('shares 2/2 are missing') });
    const other = join(dir, 'share-2-of-2-daily.json');
    await cs('replay', '--kafka', '--topic', topics.names.events, '--share', '2/2', '--partial', other, '--group-by', 'day');
    await expect(cs('merge', first, other)).rejects.toMatchObject({ stderr: expect.stringContaining(`${other} was replayed with other settings than ${first}`) });
    await expect(cs('merge', first, second, first)).rejects.toMatchObject({ stderr: expect.stringContaining('share 1/2 is given twice') });
  }, 120_000);

  it('given --since and --until, the topic on two threads and the file report the same window, and less than the whole', async () => {
    const file = join(dir, 'window.ndjson');
    writeFileSync(file, stream.map((e) => JSON.stringify(e)).join('\n'));
    const times = stream.map((e) => Date.parse(e.time)).sort((a, b) => a - b);
    const since = new Date(times[Math.floor(times.length / 4)]!).toISOString();
    const until = new Date(times[Math.floor((times.length * 3) / 4)]!).toISOString();
    const report = async (...source: string[]) => JSON.parse((await cs('replay', ...source, '--since', since, '--until', until, '--format', 'json', '--group-by', 'channel')).stdout) as { total: { conversations: number }; groups: unknown[]; meta: { skipped: number } };
    const fromFile = await report('--file', file);
    const fromKafka = await report('--kafka', '--topic', topics.names.events, '--threads', '2');
    expect(fromKafka.total).toEqual(fromFile.total);
    expect(fromKafka.groups).toEqual(fromFile.groups);
    // About half the events are outside the window: skipped from both sources alike.
    expect(fromFile.meta.skipped).toBeGreaterThan(stream.length / 3);
    expect(fromKafka.meta.skipped).toBe(fromFile.meta.skipped);
    const whole = JSON.parse((await cs('replay', '--file', file, '--format', 'json')).stdout) as { total: { conversations: number } };
    expect(fromFile.total.conversations).toBeGreaterThan(0);
    expect(fromFile.total.conversations).toBeLessThan(whole.total.conversations);
  }, 60_000);

  it('a shorter auto-resolve window segments the same stream into more conversations', async () => {
    const file = join(dir, 'plain.ndjson');
    writeFileSync(file, stream.map((e) => JSON.stringify(e)).join('\n'));
    const conversations = async (...extra: string[]) => (JSON.parse((await cs('replay', '--file', file, '--format', 'json', ...extra)).stdout) as { total: { conversations: number } }).total.conversations;
    expect(await conversations('--auto-resolve-after', '10m')).toBeGreaterThan(await conversations());
  }, 60_000);

  it('shows a conversation as it stood at an instant', async () => {
    const file = join(dir, 'plain.ndjson');
    const opening = stream.find((e) => e.type === 'message.received')!;
    const id = `cv_${opening.id}`;
    const { stdout } = await cs('conversation', id, '--file', file, '--as-of', opening.time);
    const view = JSON.parse(stdout) as { conversation: { id: string; messageCount: number; status: string }; transcript: unknown[] };
    expect(view.conversation).toMatchObject({ id, messageCount: 1, status: 'open' });
    expect(view.transcript).toHaveLength(1);
    await expect(cs('conversation', id, '--file', file, '--as-of', new Date(Date.parse(opening.time) - 1000).toISOString())).rejects.toMatchObject({ stderr: expect.stringContaining('did not exist yet') });
  }, 60_000);

  it('writes a self-contained HTML report that renders in headless Chromium without errors', async () => {
    const chromium = chromiumPath();
    const file = join(dir, 'plain.ndjson');
    const html = join(dir, 'report.html');
    await cs('replay', '--file', file, '--format', 'html', '--group-by', 'channel', '--out', html);
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const { stdout, stderr } = await run(chromium, ['--headless', '--disable-gpu', '--no-sandbox', '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${html}`], { maxBuffer: 64 * 1024 * 1024 });
    expect(stderr).not.toMatch(/Uncaught|CONSOLE\(\d+\)|ERROR:.*(console|javascript)/i);
    for (const chart of ['volume-per-channel-per-week', 'first-response-distribution', 'sla-compliance', 'csat-nps-trend', 'contact-reasons']) {
      expect(stdout).toMatch(new RegExp(`<figure class="chart" id="${chart}">[\\s\\S]*?<svg[\\s\\S]*?(<rect|<path)`));
    }
    expect(stdout).toContain('id="summary"');
  }, 60_000);
});
