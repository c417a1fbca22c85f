/**
 * The hostile-input corpus: every inbound door (POST /v1/events, Twilio, Meta, the e-mail webhook,
 * SMTP, web chat over HTTP and WebSocket, the agents' actions, and HTTP itself) is sent what a
 * broken provider or an attacker would send. Each case must get a 4xx naming the problem (the
 * JSON error's code), or an acceptance its case documents; no case may hang (every request has a
 * client-side deadline), nothing refused may reach the event topic, and the engine must be up
 * at the end. The generators are in ./cases; the table of cases per door is printed at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../events/index.ts';
import { MAX_KEPT_BODY_BYTES } from '../../../src/channels/rejected.ts';
import { actionCases, rawCases } from './cases/actions.ts';
import { chatCases } from './cases/chat.ts';
import { emailCases } from './cases/email.ts';
import { eventCases } from './cases/events.ts';
import { metaCases } from './cases/meta.ts';
import { twilioCases } from './cases/twilio.ts';
import { HangError, settledEvents, smtpSession, startHostileEnv, type Answer, type Door, type HostileCase, type HostileEnv } from './support.ts';

interface Numbered extends HostileCase {
  index: number;
  marker: string;
}

const run = randomBytes(3).toString('hex');
const cases: Numbered[] = [...eventCases(), ...twilioCases(), ...metaCases(), ...emailCases(), ...chatCases(), ...actionCases(), ...rawCases()].map((c, index) => ({
  ...c,
  index,
  // Fixed width, so no marker is part of another; lower-case letters and digits fit every door.
  marker: `hx${String(index).padStart(4, '0')}q${run}`,
}));

const results = new Map<Numbered, { answer?: Answer; error?: string; ms: number }>();
let env: HostileEnv;
const startedAt = Date.now();

beforeAll(async () => {
  env = await startHostileEnv();
}, 120_000);

afterAll(async () => {
  printTable();
  await env?.close();
}, 120_000);

/** The case's own deadline, plus a margin: a send that never settles fails as a hang. */
function deadline<T>(work: Promise<T>, ms: number): Promise<T> {
  return Promise.race([work, sleep(ms).then(() => Promise.reject(new HangError(`no outcome within ${ms} ms`)))]);
}

function check(c: Numbered, answer: Answer): void {
  const e = c.expect;
  const seen = `${answer.status} ${answer.code ?? ''} ${answer.text.slice(0, 300)}`;
  if (e.kind === 'smtp') {
    expect(answer.status, seen).toBe(e.reply);
    return;
  }
  if (e.kind === 'ws') {
    if (e.outcome === 'open') expect(`${answer.status} ${answer.text}`, seen).toBe('101 open');
    else expect(`${answer.status} ${answer.text}`, seen).toBe(`101 closed ${e.outcome}`);
    return;
  }
  expect(answer.status, seen).toBeLessThan(500);
  expect(answer.status, seen).toBe(e.status);
  if (e.kind === 'refuse') expect(answer.code, seen).toBe(e.code);
}

const doors = [...new Set(cases.map((c) => c.door))];

for (const door of doors) {
  describe.concurrent(door, () => {
    for (const c of cases.filter((x) => x.door === door)) {
      const timeoutMs = c.timeoutMs ?? 10_000;
      it(`${c.name} [${c.marker}]`, { timeout: timeoutMs + 10_000 }, async () => {
        const t0 = Date.now();
        try {
          const answer = await deadline(c.send(env, c.marker, c.index), timeoutMs + 2_000);
          results.set(c, { answer, ms: Date.now() - t0 });
          check(c, answer);
        } catch (err) {
          if (!results.has(c)) results.set(c, { error: (err as Error).message, ms: Date.now() - t0 });
          throw err;
        }
      });
    }
  });
}

describe('after every case', () => {
  /** Each event on the topic with the cases whose marker it carries (found once, by pattern). */
  let events: Array<{ event: AnyEvent; markers: Set<string> }> = [];
  const byMarker = new Map(cases.map((c) => [c.marker, c]));
  const isAccepted = (c: Numbered) => c.expect.kind === 'accept' || c.expect.kind === 'ws' || (c.expect.kind === 'smtp' && c.expect.events > 0);
  const belongs = (c: Numbered, e: { event: AnyEvent; markers: Set<string> }) => e.markers.has(c.marker) || (c.claims?.(e.event, c.marker) ?? false);

  it('every event on the topic belongs to a case documented as accepted; no refused case appended anything', { timeout: 60_000 }, async () => {
    const pattern = new RegExp(`hx\\d{4}q${run}`, 'g');
    events = (await settledEvents(env)).map((event) => ({ event, markers: new Set(JSON.stringify(event).match(pattern) ?? []) }));
    const leaks = events.flatMap(({ event, markers }) =>
      [...markers].map((m) => byMarker.get(m)).filter((c): c is Numbered => c !== undefined && !isAccepted(c)).map((c) => `${c.door}: ${c.name} appended ${event.type} ${event.id}`),
    );
    expect(leaks).toEqual([]);
    // An event without a marker (customer.identified) belongs to the case whose event has its customer.
    const accepted = cases.filter(isAccepted);
    const owned = new Set<string>();
    for (const e of events) if (accepted.some((c) => belongs(c, e))) owned.add(`${e.event.tenant}/${e.event.customer}`);
    const orphans = events.filter((e) => !owned.has(`${e.event.tenant}/${e.event.customer}`)).map(({ event }) => `${event.type} ${event.id} (customer ${event.customer})`);
    expect(orphans).toEqual([]);
  });

  it('each accepted case appended exactly the events it documents (customer.identified aside)', () => {
    const wrong = cases.flatMap((c) => {
      const e = c.expect;
      const want = e.kind === 'accept' || e.kind === 'smtp' ? e.events : undefined;
      if (want === undefined || (e.kind === 'smtp' && want === 0)) return [];
      // Distinct ids: a provider's retry may append an event again, and the fold keeps one of each id.
      const got = new Set(events.filter((ev) => ev.event.type !== 'customer.identified' && belongs(c, ev)).map((ev) => ev.event.id)).size;
      return got === want ? [] : [`${c.door}: ${c.name}: ${got} events, documented ${want}`];
    });
    expect(wrong).toEqual([]);
  });

  it('what is kept of refused input is bounded: no record over the cap, one record for a body of a thousand refused items', { timeout: 60_000 }, async () => {
    const kept = await env.harness.rejected();
    // Characters, not bytes: the harness decodes the kept bytes, and a cut through a character decodes larger.
    const oversized = kept.filter((k) => k.body.length > MAX_KEPT_BODY_BYTES).map((k) => `${k.provider}: ${k.body.length} characters`);
    expect(oversized).toEqual([]);
    const summarised = cases.find((c) => c.door === 'meta whatsapp' && c.name.startsWith('1,000 invalid messages'))!;
    expect(kept.filter((k) => k.body.includes(summarised.marker))).toHaveLength(1);
    // Well under one record per refused request: bodies are kept whole, never item by item.
    expect(kept.length).toBeLessThan(cases.length);
  });

  it('the engine is still up: /healthz answers 200 and the SMTP listener greets', async () => {
    const health = await fetch(`${env.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    const greeting = await smtpSession(env, [{ send: 'NOOP\r\n' }], 5_000);
    expect(greeting.status).toBe(250);
  });
});

function printTable(): void {
  const rows = doors.map((door: Door) => {
    const of = cases.filter((c) => c.door === door);
    const outcome = (c: Numbered) => results.get(c);
    const refused = of.filter((c) => c.expect.kind === 'refuse' || (c.expect.kind === 'smtp' && c.expect.events === 0)).length;
    const failed = of.filter((c) => outcome(c)?.error !== undefined || outcome(c) === undefined).length;
    const slowest = Math.max(0, ...of.map((c) => outcome(c)?.ms ?? 0));
    return { door, cases: of.length, refused, accepted: of.length - refused, failedOrHung: failed, slowestMs: slowest };
  });
  const total = { door: 'total', cases: cases.length, refused: rows.reduce((n, r) => n + r.refused, 0), accepted: rows.reduce((n, r) => n + r.accepted, 0), failedOrHung: rows.reduce((n, r) => n + r.failedOrHung, 0), slowestMs: Math.max(...rows.map((r) => r.slowestMs)) };
  const all = [...rows, total];
  const cols = ['door', 'cases', 'refused', 'accepted', 'failedOrHung', 'slowestMs'] as const;
  const width = (k: (typeof cols)[number]) => Math.max(k.length, ...all.map((r) => String(r[k]).length));
  const line = (r: Record<string, unknown>) => cols.map((k, i) => (i === 0 ? String(r[k]).padEnd(width(k)) : String(r[k]).padStart(width(k)))).join('  ');
  const failures = cases.filter((c) => results.get(c)?.error !== undefined).map((c) => `  ${c.door}: ${c.name}: ${results.get(c)!.error}`);
  console.log(
    [
      '',
      `hostile-input corpus: ${cases.length} cases in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
      line(Object.fromEntries(cols.map((k) => [k, k]))),
      ...rows.map(line),
      line(total),
      ...(failures.length ? ['failures:', ...failures] : []),
      '',
    ].join('\n'),
  );
}
