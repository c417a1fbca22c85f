import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../http/errors.ts';
import { LogUnavailableError } from '../../log/event-log.ts';
import type { ChannelContext, ChannelRoutes } from '../context.ts';
import { IngestInProgressError } from '../ingest.ts';
import type { MetaUnit } from './items.ts';
import { messagingUnits } from './messaging.ts';
import { webhookBody } from './payload.ts';
import { processUnits, type Refusal } from './process.ts';
import { sameSecret, verifyHubSignature } from './signature.ts';
import { whatsappUnits } from './whatsapp.ts';

const RETRY_AFTER_SECONDS = 5;

/**
 * Meta webhooks (WhatsApp Cloud API, Messenger, Instagram): the subscription handshake, and
 * signed deliveries answered 200 only once every message in them is on the log.
 */
export const metaRoutes: ChannelRoutes = (app, ctx) => {
  // Raw bytes: the signature is over them, so JSON is parsed only after it is verified.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const log = ctx.logger.child({ adapter: 'meta' });
  const { verifyToken } = ctx.config.channels.meta;

  app.get('/webhooks/meta', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const token = typeof query['hub.verify_token'] === 'string' ? query['hub.verify_token'] : '';
    const challenge = typeof query['hub.challenge'] === 'string' ? query['hub.challenge'] : '';
    // An unset verify token must not let an empty one through.
    if (query['hub.mode'] !== 'subscribe' || !verifyToken || !sameSecret(verifyToken, token)) {
      return sendError(reply, 403, 'forbidden', 'hub.mode or hub.verify_token does not match');
    }
    return reply.code(200).type('text/plain; charset=utf-8').send(challenge);
  });

  app.post('/webhooks/meta', { handlerTimeout: ctx.config.kafka.publishTimeoutMs + 10_000 }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const signature = request.headers['x-hub-signature-256'];
    if (!verifyHubSignature(ctx.config.channels.meta.appSecret, raw, typeof signature === 'string' ? signature : undefined)) {
      const reason = !ctx.config.channels.meta.appSecret ? 'channels.meta.appSecret is not set' : signature ? 'X-Hub-Signature-256 does not match' : 'X-Hub-Signature-256 is missing';
      return refuse(ctx, request, reply, [{ tenant: null, raw, reason }], 403, 'invalid_signature');
    }
    const units = unitsOf(raw, ctx.now());
    if (!units.ok) return refuse(ctx, request, reply, [{ tenant: null, raw, reason: units.reason }], 400, 'invalid_body');

    try {
      const refusals = await processUnits(ctx, units.value, log);
      // Meta retries anything but 200, and a retry cannot fix these: they are kept, the rest is done.
      if (refusals.length > 0 && !(await keepAll(ctx, request, refusals))) return unavailable(reply, 'the refused input could not be kept; retry later');
      return reply.code(200).type('text/plain; charset=utf-8').send('EVENT_RECEIVED');
    } catch (err) {
      if (err instanceof LogUnavailableError || err instanceof IngestInProgressError) {
        log.warn({ err: err.message }, 'webhook not taken now; Meta will retry');
        return unavailable(reply, err.message, err instanceof LogUnavailableError ? 'log_unavailable' : 'in_progress');
      }
      throw err;
    }
  });
};

function unitsOf(raw: Buffer, receivedAt: Date): { ok: true; value: MetaUnit[] } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${(err as Error).message}` };
  }
  const body = webhookBody.safeParse(json);
  if (!body.success) return { ok: false, reason: 'not a Meta webhook body (object and entry[] expected)' };
  const { object, entry } = body.data;
  if (object === 'whatsapp_business_account') return { ok: true, value: whatsappUnits(object, entry, receivedAt) };
  if (object === 'page') return { ok: true, value: messagingUnits('messenger', object, entry, receivedAt) };
  if (object === 'instagram') return { ok: true, value: messagingUnits('instagram', object, entry, receivedAt) };
  // Other subscriptions (user, permissions, …) are acknowledged so Meta does not retry them.
  return { ok: true, value: [{ routeId: undefined, raw: json, items: [{ kind: 'ignored', what: `object ${object}` }] }] };
}

async function keepAll(ctx: ChannelContext, request: FastifyRequest, refusals: Refusal[]): Promise<boolean> {
  try {
    for (const r of refusals) {
      const body = Buffer.isBuffer(r.raw) ? r.raw : JSON.stringify(r.raw);
      await ctx.rejected.keep({ tenant: r.tenant, provider: 'meta', contentType: request.headers['content-type'], body, reason: r.reason, receivedAt: ctx.now().toISOString() });
    }
    return true;
  } catch (err) {
    ctx.logger.error({ adapter: 'meta', err: (err as Error).message }, 'could not keep a refused webhook');
    return false;
  }
}

async function refuse(ctx: ChannelContext, request: FastifyRequest, reply: FastifyReply, refusals: Refusal[], status: number, code: string): Promise<FastifyReply> {
  if (!(await keepAll(ctx, request, refusals))) return unavailable(reply, 'the refused input could not be kept; retry later');
  return sendError(reply, status, code, refusals.map((r) => r.reason).join('; '));
}

const unavailable = (reply: FastifyReply, message: string, code = 'log_unavailable') =>
  sendError(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, code, message);
