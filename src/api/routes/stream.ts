import type { FastifyInstance } from 'fastify';
import { ChangeFeed, afterId, type Change } from '../../projections/changes.ts';
import type { Redis } from 'ioredis';
import type { LiveHub } from '../live-hub.ts';

const HEARTBEAT_MS = 15_000;
const STREAM_ID = /^\d{1,16}-\d{1,10}$/;
/** Changes one reconnect catches up with at most; more, and the console is told to reload. */
const CATCH_UP_MAX = 5_000;

/** A change as an SSE message, made once however many consoles it goes to (the hub hands each the same objects). */
const rendered = new WeakMap<Change, string>();
function sseText(c: Change): string {
  let text = rendered.get(c);
  if (text === undefined) {
    text = `id: ${c.id}\nevent: change\ndata: ${JSON.stringify({ type: c.type, customer: c.customer, conversation: c.conversation, eventId: c.eventId })}\n\n`;
    rendered.set(c, text);
  }
  return text;
}

export interface StreamDeps {
  redis: Redis;
  instance: string;
  hub: LiveHub;
}

/**
 * `GET /v1/stream` (`conversations:read`): server-sent events, one `change` per event the live fold
 * committed for the principal's tenant (`{type, customer, conversation, eventId}`, never content:
 * a console reads what changed through the access-checked routes). Each carries the feed's id, so a
 * browser reconnecting sends it back as Last-Event-ID and gets what it missed, once, before anything
 * new. A cursor older than the feed keeps (10,000 changes) is answered with a `reload` event.
 * Without `Accept: text/event-stream` it answers once, as JSON: `{cursor, reload, changes}` after
 * `?after=` (a client that polls passes the cursor back).
 */
export function streamRoutes(app: FastifyInstance, deps: StreamDeps): void {
  const feed = new ChangeFeed(deps.redis, deps.instance);
  const open = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of open) end();
  });

  app.get<{ Querystring: { after?: string } }>(
    '/v1/stream',
    { config: { access: 'conversations:read' }, schema: { querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'string', pattern: STREAM_ID.source } } } } },
    async (request, reply) => {
      const tenant = request.tenant;
      const header = request.headers['last-event-id'];
      const resume = typeof header === 'string' && STREAM_ID.test(header) ? header : request.query.after;
      // Not an event stream reader: the changes after the cursor as JSON, for a client that polls.
      if (!(request.headers.accept ?? '').includes('text/event-stream')) {
        if (resume === undefined) return { cursor: await feed.latest(tenant), changes: [] };
        const changes = await feed.since(tenant, resume, CATCH_UP_MAX);
        const reload = changes.length >= CATCH_UP_MAX || (await feed.trimmedAfter(tenant, resume));
        return { cursor: changes.at(-1)?.id ?? resume, reload, changes };
      }

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      let cursor = '0-0';
      let live = false;
      const held: Change[] = [];
      // One write per delivery, whatever the number of changes in it: with a tenant's consoles all
      // listening, the writes (not the reading) were the push path's cost.
      const send = (changes: Change[]) => {
        let out = '';
        for (const c of changes) {
          if (!afterId(c.id, cursor)) continue;
          cursor = c.id;
          out += sseText(c);
        }
        if (out) raw.write(out);
      };
      // Listen first and hold what comes, then catch up from the client's cursor, then let the held
      // ones through: nothing missed between the two, nothing sent twice (the cursor filters).
      const listening = await deps.hub.listen(tenant, (changes) => (live ? send(changes) : held.push(...changes)));
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        listening.stop();
        open.delete(end);
        raw.end();
      };
      open.add(end);
      request.raw.on('close', end);
      raw.write('retry: 2000\n\n');
      if (resume !== undefined) {
        const missed = await feed.since(tenant, resume, CATCH_UP_MAX);
        // Away longer than the feed keeps (or than a catch-up sends): the console reloads its views.
        if (missed.length >= CATCH_UP_MAX || (await feed.trimmedAfter(tenant, resume))) raw.write('event: reload\ndata: {}\n\n');
        cursor = resume;
        send(missed);
      } else {
        cursor = listening.from;
      }
      live = true;
      send(held.splice(0));
      // The cursor goes out as the ready event's id too: a browser that drops before the first
      // change still reconnects with a Last-Event-ID, and is sent what it missed meanwhile.
      raw.write(`id: ${cursor}\nevent: ready\ndata: ${JSON.stringify({ cursor })}\n\n`);
      return reply;
    },
  );
}

