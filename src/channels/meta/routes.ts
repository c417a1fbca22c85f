import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../http/errors.ts';
import { jsonBodyProblem } from '../../http/input.ts';
import { LogUnavailableError } from '../../log/event-log.ts';
import type { ChannelContext, ChannelRoutes } from '../context.ts';
import { IngestInProgressError } from '../ingest.ts';
import type { MetaBody, MetaUnit } from './items.ts';
import { messagingUnits } from './messaging.ts';
import { webhookBody } from './payload.ts';
import { processUnits, type Refusal } from './process.ts';
import { sameSecret, verifyHubSignature } from './signature.ts';
import { whatsappUnits } from './whatsapp.ts';
import { PUBLIC } from '../../http/route-access.ts';

const RETRY_AFTER_SECONDS = 5;
/**
 * Meta batches at most 1,000 updates in one delivery; a body holding more is not Meta's, and each
 * item costs a round trip to Redis and Kafka, so it is refused whole rather than worked through.
 */
export const MAX_ITEMS_PER_BODY = 1000;
/** A refusal's reason lists this many of its items' reasons; the count says how many there were. */
const REASONS_SHOWN = 10;

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

  app.get('/webhooks/meta', { config: PUBLIC }, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const token = typeof query['hub.verify_token'] === 'string' ? query['hub.verify_token'] : '';
    const challenge = typeof query['hub.challenge'] === 'string' ? query['hub.challenge'] : '';
    // An unset verify token must not let an empty one through.
    if (query['hub.mode'] !== 'subscribe' || !verifyToken || !sameSecret(verifyToken, token)) {
      return sendError(reply, 403, 'forbidden', 'hub.mode or hub.verify_token does not match');
    }
    return reply.code(200).type('text/plain; charset=utf-8').send(challenge);
  });

  app.post('/webhooks/meta', { handlerTimeout: ctx.config.kafka.publishTimeoutMs + 10_000, config: PUBLIC }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const signature = request.headers['x-hub-signature-256'];
    if (!verifyHubSignature(ctx.config.channels.meta.appSecret, raw, typeof signature === 'string' ? signature : undefined)) {
      const reason = !ctx.config.channels.meta.appSecret ? 'channels.meta.appSecret is not set' : signature ? 'X-Hub-Signature-256 does not match' : 'X-Hub-Signature-256 is missing';
      return refuse(ctx, request, reply, [{ tenant: null, raw, reason }], 403, 'invalid_signature');
    }
    // After the signature (an unsigned body costs no more than its HMAC): read safely, or refused.
    const unreadable = jsonBodyProblem(request.headers['content-type'], raw);
    if (unreadable) return refuse(ctx, request, reply, [{ tenant: null, raw, reason: unreadable.message }], unreadable.statusCode, unreadable.code);
    const units = unitsOf(raw, ctx.now());
    if (!units.ok) return refuse(ctx, request, reply, [{ tenant: null, raw, reason: units.reason }], 400, 'invalid_body');
    const items = units.value.reduce((n, unit) => n + unit.items.length, 0);
    if (items > MAX_ITEMS_PER_BODY) {
      return refuse(ctx, request, reply, [{ tenant: null, raw, reason: `the body holds ${items} items; Meta sends at most ${MAX_ITEMS_PER_BODY}` }], 413, 'too_many_items');
    }

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
  return { ok: true, value: [{ routeId: undefined, raw: { object, entry }, items: [{ kind: 'ignored', what: `object ${object.slice(0, 40)}` }] }] };
}

/**
 * Keeps a body's refusals as one record, in one write however many items were refused: the
 * refused units as one webhook body (each unit holds only its own entry or change; the nesting
 * was bounded at the door, so serialising it is safe), or the request's bytes when the whole body
 * was refused; the reason lists the first items' reasons and the count. The sink bounds the size.
 */
async function keepAll(ctx: ChannelContext, request: FastifyRequest, refusals: Refusal[]): Promise<boolean> {
  try {
    const tenants = new Set(refusals.map((r) => r.tenant));
    const raws = [...new Set(refusals.map((r) => r.raw))];
    const whole = raws.find((r): r is Buffer => Buffer.isBuffer(r));
    const bodies = raws.filter((r): r is MetaBody => !Buffer.isBuffer(r));
    const body = whole ?? JSON.stringify(bodies.length === 1 ? bodies[0] : { object: bodies[0]?.object, entry: bodies.flatMap((b) => b.entry) });
    const shown = refusals.slice(0, REASONS_SHOWN).map((r) => r.reason);
    const reason = refusals.length === 1 ? shown[0]! : `${refusals.length} items refused: ${shown.join('; ')}${refusals.length > shown.length ? ` (+${refusals.length - shown.length} more)` : ''}`;
    await ctx.rejected.keep({
      tenant: tenants.size === 1 ? refusals[0]!.tenant : null,
      provider: 'meta',
      contentType: request.headers['content-type'],
      body,
      reason,
      receivedAt: ctx.now().toISOString(),
      items: refusals.length,
    });
    return true;
  } catch (err) {
    ctx.logger.error({ adapter: 'meta', err: (err as Error).message }, 'could not keep a refused webhook');
    return false;
  }
}

async function refuse(ctx: ChannelContext, request: FastifyRequest, reply: FastifyReply, refusals: Refusal[], status: number, code: string): Promise<FastifyReply> {
  if (!(await keepAll(ctx, request, refusals))) return unavailable(reply, 'the refused input could not be kept; retry later');
  return sendError(reply, status, code, refusals.map((r) => r.reason.slice(0, 1000)).join('; '));
}

const unavailable = (reply: FastifyReply, message: string, code = 'log_unavailable') =>
  sendError(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, code, message);
