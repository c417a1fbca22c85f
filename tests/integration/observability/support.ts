import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';

/**
 * Reading what a role shows an operator: its Prometheus text parsed into samples, and its probes
 * polled until they say what a spec waits for.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text format (0.0.4), as far as prom-client writes it: `name{a="x",b="y"} value`. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels` (0 when there are none). */
export function total(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

/** Whether any sample of `name` carries `labels`. */
export const has = (samples: readonly Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

export async function scrape(base: string): Promise<{ text: string; samples: Sample[] }> {
  const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) throw new Error(`${base}/metrics answered ${response.status}`);
  const text = await response.text();
  return { text, samples: parseMetrics(text) };
}

export interface Probe {
  status: number;
  body: { status?: string; failed?: string[]; checks?: Record<string, string>; message?: string };
}

export async function probe(base: string, path: '/healthz' | '/readyz'): Promise<Probe> {
  try {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: (await response.json()) as Probe['body'] };
  } catch (err) {
    return { status: 0, body: { message: (err as Error).message } };
  }
}

/**
 * Polls `path` until `accept` takes the answer; resolves with it and how long it took. Fails with
 * the last answer, or at once when `process` (the role polled) exits.
 */
export async function waitForProbe(
  base: string,
  path: '/healthz' | '/readyz',
  accept: (p: Probe) => boolean,
  options: { timeoutMs?: number; process?: ChildProcess; everyMs?: number } = {},
): Promise<Probe & { ms: number }> {
  const started = performance.now();
  const deadline = started + (options.timeoutMs ?? 90_000);
  let last: Probe = { status: 0, body: {} };
  while (performance.now() < deadline) {
    if (options.process && (options.process.exitCode !== null || options.process.signalCode !== null)) {
      throw new Error(`the role behind ${base} exited (code ${options.process.exitCode}, signal ${options.process.signalCode})`);
    }
    last = await probe(base, path);
    if (accept(last)) return { ...last, ms: Math.round(performance.now() - started) };
    await sleep(options.everyMs ?? 250);
  }
  throw new Error(`${base}${path} never gave what was awaited; last: ${last.status} ${JSON.stringify(last.body)}`);
}

export const isReady = (p: Probe) => p.status === 200 && p.body.status === 'ready';

/** Label values only, one per line: what the no-personal-data check reads. */
export const labelValues = (samples: readonly Sample[]) => [...new Set(samples.flatMap((s) => Object.values(s.labels)))];
