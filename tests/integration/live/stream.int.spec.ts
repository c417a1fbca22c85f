import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/collect.ts';
import { actionsConfig, API_KEY, OTHER_KEY, startActionsEngine, type ActionsEngine } from '../actions/support.ts';

/**
 * GET /v1/stream: what the live fold commits, pushed to consoles as server-sent events. Given the
 * API and the live fold on real Kafka and Redis, when customers write, then a listening console is
 * told, in order; one that lost its connection resumes with Last-Event-ID and gets what it missed,
 * once; another tenant hears nothing of it.
 */
let engine: ActionsEngine;

beforeAll(async () => {
  engine = await startActionsEngine(actionsConfig());
}, 60_000);

afterAll(async () => {
  await engine?.close();
});

interface Received {
  id: string | null;
  event: string;
  data: Record<string, unknown>;
}

/** A console's EventSource, by hand: reads the stream and keeps every event it was sent. */
function listen(key: string, lastEventId?: string) {
  const controller = new AbortController();
  const received: Received[] = [];
  const done = (async () => {
    const response = await fetch(`${engine.harness.url}/v1/stream`, {
      headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
      signal: controller.signal,
    });
    if (response.status !== 200) throw new Error(`stream answered ${response.status}: ${await response.text()}`);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) return;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => l && !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trimStart()]));
        if (fields.event) received.push({ id: fields.id ?? null, event: fields.event, data: JSON.parse(fields.data ?? '{}') as Record<string, unknown> });
      }
    }
  })().catch((err: Error) => {
    if (err.name !== 'AbortError') throw err;
  });
  return {
    received,
    changes: () => received.filter((r) => r.event === 'change'),
    ready: () => eventually('the stream is ready', () => received.some((r) => r.event === 'ready')),
    close: async () => {
      controller.abort();
      await done;
    },
  };
}

describe('GET /v1/stream', () => {
  it('tells a listening console of each committed event, in order, with its customer; another tenant hears nothing', async () => {
    const acme = listen(API_KEY);
    const globex = listen(OTHER_KEY);
    await Promise.all([acme.ready(), globex.ready()]);

    const first = await engine.customerWrites();
    const second = await engine.customerWrites();

    await eventually('both changes pushed', () => acme.changes().length >= 2);
    const pushed = acme.changes();
    expect(pushed.map((c) => c.data)).toEqual([
      { type: 'message.received', customer: first.customer, conversation: null, eventId: first.conversationId.slice(3) },
      { type: 'message.received', customer: second.customer, conversation: null, eventId: second.conversationId.slice(3) },
    ]);
    expect(JSON.stringify(pushed)).not.toContain('Where is my order');
    await acme.close();
    await globex.close();
    expect(globex.changes()).toEqual([]);
  });

  it('given a console that dropped its connection, when it reconnects with Last-Event-ID, then it gets exactly what it missed, once, then what is new', async () => {
    const console1 = listen(API_KEY);
    await console1.ready();
    const before = await engine.customerWrites();
    await eventually('the first change', () => console1.changes().some((c) => c.data.customer === before.customer));
    const lastSeen = console1.changes().at(-1)!.id!;
    await console1.close();

    const missed = [await engine.customerWrites(), await engine.customerWrites()];
    const back = listen(API_KEY, lastSeen);
    await back.ready();
    const after = await engine.customerWrites();
    await eventually('the missed and the new change', () => back.changes().some((c) => c.data.customer === after.customer));

    const customers = back.changes().map((c) => c.data.customer);
    expect(customers).toEqual([...missed.map((m) => m.customer), after.customer]);
    expect(new Set(back.changes().map((c) => c.id)).size).toBe(back.changes().length);
    await back.close();
  });

  it('is refused without credentials', async () => {
    const response = await fetch(`${engine.harness.url}/v1/stream`);
    expect(response.status).toBe(401);
  });
});

describe('GET /v1/stream without an event-stream reader', () => {
  it('answers the changes after a cursor as JSON, for a client that polls, and the cursor to pass back', async () => {
    const start = await engine.api('GET', '/v1/stream');
    expect(start).toMatchObject({ status: 200, body: { cursor: expect.stringMatching(/^\d+-\d+$/), changes: [] } });
    const { customer } = await engine.customerWrites();

    const next = await engine.api('GET', `/v1/stream?after=${(start.body as { cursor: string }).cursor}`);

    expect(next.body).toMatchObject({ reload: false, changes: [{ type: 'message.received', customer }] });
    expect((next.body as { cursor: string }).cursor).toBe((next.body as { changes: Array<{ id: string }> }).changes.at(-1)!.id);
    expect(await engine.api('GET', '/v1/stream?after=yesterday')).toMatchObject({ status: 400 });
  });
});

describe('GET /v1/stream, many consoles at once', () => {
  it('given 30 consoles connecting at the same moment, then every one is ready and told of the next change', async () => {
    const consoles = Array.from({ length: 30 }, () => listen(API_KEY));
    await Promise.all(consoles.map((c) => c.ready()));

    const { customer } = await engine.customerWrites();

    await eventually('every console told', () => consoles.every((c) => c.changes().some((x) => x.data.customer === customer)));
    expect((await fetch(`${engine.harness.url}/healthz`)).status).toBe(200);
    await Promise.all(consoles.map((c) => c.close()));
  });
});
