import websocket from '@fastify/websocket';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ParseIssue } from '../../../events/index.ts';
import { sendError } from '../../http/errors.ts';
import { jsonBodyProblem } from '../../http/input.ts';
import { LogUnavailableError, RecordTooLargeError } from '../../log/event-log.ts';
import type { ChannelContext, ChannelRoutes } from '../context.ts';
import { IngestInProgressError } from '../ingest.ts';
import { MESSAGE_TOO_LARGE } from '../limits.ts';
import { chatMessageBody, visitorTokenSchema, widgetKeySchema } from './body.ts';
import { ChatConnections } from './connections.ts';
import { PUBLIC } from '../../http/route-access.ts';

const PROVIDER = 'webchat';
const BODY_LIMIT = 64 * 1024;
const RETRY_AFTER_SECONDS = '5';

/**
 * Web chat: the widget POSTs a visitor's messages (JSON), and holds a WebSocket on which the
 * visitor receives replies live. The widget runs on the tenant's own site, so both answer any
 * origin: the widget key is public and nothing rides on cookies.
 */
export const chatRoutes: ChannelRoutes = async (app, ctx) => {
  const widgets = new Map(Object.entries(ctx.config.channels.chat.widgets));
  const connections = new ChatConnections(ctx.redis.duplicate(), ctx.redis, ctx.config.instance, ctx.logger.child({ component: 'chat' }));
  app.addHook('onClose', () => connections.close());
  await app.register(websocket, { options: { maxPayload: 16 * 1024 } });

  // Kept as bytes so a refused body is stored as it came. text/plain too: a browser sends it
  // cross-origin without a preflight round trip.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_request, body, done) => done(null, body));
  app.addHook('onSend', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
  });
  app.options('/v1/chat/messages', { config: PUBLIC }, async (_request, reply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'content-type')
      .header('access-control-max-age', '600')
      .send(),
  );

  app.post('/v1/chat/messages', { config: PUBLIC }, async (request, reply) => postMessage(ctx, widgets, request, reply));

  app.route<{ Querystring: { widgetKey?: string; visitorToken?: string } }>({
    method: 'GET',
    url: '/v1/chat/ws',
    config: PUBLIC,
    // Runs before the upgrade: a refused visitor, or a handshake the WebSocket library would refuse,
    // gets a plain HTTP answer in our JSON shape, never a socket.
    preValidation: async (request, reply) => {
      const { widgetKey, visitorToken } = request.query;
      if (!widgetKeySchema.safeParse(widgetKey).success || !visitorTokenSchema.safeParse(visitorToken).success) {
        return sendError(reply, 400, 'bad_request', 'give ?widgetKey= and ?visitorToken= (16 to 128 letters, digits, ".", "_" or "-")');
      }
      if (!widgets.has(widgetKey!)) return sendError(reply, 403, 'unknown_widget', 'unknown widget key');
      const handshake = request.ws ? handshakeProblem(request) : undefined;
      if (handshake) return sendError(reply, 400, 'bad_upgrade', handshake);
      return undefined;
    },
    // The same URL without an upgrade: the widget asked for HTTP where a socket was meant.
    handler: async (_request, reply) => sendError(reply.header('upgrade', 'websocket'), 426, 'upgrade_required', 'this URL takes a WebSocket upgrade'),
    wsHandler: async (socket, request) => {
      const tenant = widgets.get(request.query.widgetKey!)!;
      try {
        await connections.add(tenant, request.query.visitorToken!, socket);
      } catch (err) {
        ctx.logger.error({ reason: (err as Error).message, tenant }, 'chat socket could not be registered');
        socket.close(1011, 'try again');
      }
    },
  });
};

/** What the WebSocket library would refuse in a handshake (RFC 6455 section 4.2.1), said first and in our shape. */
function handshakeProblem(request: FastifyRequest): string | undefined {
  const { headers } = request;
  if ((headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'Upgrade must be websocket';
  if (!/^[+/0-9A-Za-z]{22}==$/.test(headers['sec-websocket-key'] ?? '')) return 'Sec-WebSocket-Key must be 16 bytes in base64';
  if (!['8', '13'].includes(String(headers['sec-websocket-version'] ?? ''))) return 'Sec-WebSocket-Version must be 13';
  return undefined;
}

async function postMessage(ctx: ChannelContext, widgets: Map<string, string>, request: FastifyRequest, reply: FastifyReply) {
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const refuse = async (status: number, code: string, reason: string, tenant: string | null, issues: ParseIssue[] = []) => {
    await ctx.rejected
      .keep({ tenant, provider: PROVIDER, contentType: request.headers['content-type'], body: bytes, reason, receivedAt: ctx.now().toISOString() })
      .catch((err: Error) => ctx.logger.warn({ reason: err.message }, 'rejected chat input not kept'));
    return sendError(reply, status, code, reason, issues.length ? { issues } : {});
  };

  const unreadable = jsonBodyProblem(request.headers['content-type'], bytes);
  if (unreadable) return refuse(unreadable.statusCode, unreadable.code, unreadable.message, null);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return refuse(400, 'invalid_json', 'the body is not JSON', null);
  }
  const parsed = chatMessageBody.safeParse(json);
  if (!parsed.success) {
    const issues: ParseIssue[] = parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code }));
    return refuse(400, 'invalid_body', issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), null, issues);
  }
  const body = parsed.data;
  const tenant = widgets.get(body.widgetKey);
  if (tenant === undefined) return refuse(403, 'unknown_widget', 'unknown widget key', null);

  try {
    const outcome = await ctx.ingestor.ingest({
      tenant,
      channel: 'chat',
      provider: PROVIDER,
      from: body.visitorToken,
      text: body.text,
      time: ctx.now().toISOString(),
      // Scoped by visitor: widgets number their messages, and two visitors' "1" are not one message.
      ...(body.clientMessageId ? { providerMessageId: `${body.visitorToken}/${body.clientMessageId}` } : {}),
    });
    if (outcome.status === 'rejected') return refuse(400, 'invalid_message', outcome.reason, tenant, outcome.issues);
    return reply.code(202).send({ status: outcome.status, eventId: outcome.eventId });
  } catch (err) {
    if (err instanceof RecordTooLargeError) return refuse(413, MESSAGE_TOO_LARGE, err.message, tenant);
    if (!(err instanceof LogUnavailableError) && !(err instanceof IngestInProgressError)) throw err;
    request.log.warn({ tenant, reason: err.message }, 'chat message not accepted yet');
    reply.header('retry-after', RETRY_AFTER_SECONDS);
    return sendError(reply, 503, err instanceof LogUnavailableError ? 'log_unavailable' : 'in_progress', 'not accepted yet; send the same message again shortly (a repeat is safe with a clientMessageId)');
  }
}
