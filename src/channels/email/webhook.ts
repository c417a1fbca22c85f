import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../../http/errors.ts';
import type { ChannelContext, ChannelRoutes } from '../context.ts';
import { MESSAGE_TOO_LARGE } from '../limits.ts';
import { readFormData } from './form-data.ts';
import { parseRawMail } from './parse.ts';
import { mailSettings, receiveMail, type ReceiveInput } from './receive.ts';
import { sendgridMail } from './sendgrid.ts';
import { PUBLIC } from '../../http/route-access.ts';

/** Seconds a provider is asked to wait before retrying while Kafka is unavailable. */
const RETRY_AFTER_SECONDS = 5;
/** Form overhead on top of the largest message (field headers, the parsed-mode copies of the text). */
const FORM_OVERHEAD_BYTES = 1024 * 1024;

/** Basic auth with the configured password (any user name), compared in constant time. */
function authorised(header: string | undefined, password: string): boolean {
  if (!password || !header?.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const given = Buffer.from(decoded.slice(decoded.indexOf(':') + 1));
  const expected = Buffer.from(password);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * `POST /webhooks/email`: a raw message (`Content-Type: message/rfc822`, as an MTA pipe or a relay
 * posts it; provider `smtp`, since it is the very message an SMTP session would carry) or a SendGrid
 * Inbound Parse form (`multipart/form-data`, provider `sendgrid`). 200 once Kafka acknowledged;
 * 400 with the reason (the body kept on the rejected-input topic); 503 while Kafka is unavailable.
 */
export const emailRoutes: ChannelRoutes = (app: FastifyInstance, ctx: ChannelContext) => {
  const settings = mailSettings(ctx);
  const bodyLimit = ctx.config.channels.email.smtp.maxMessageBytes + FORM_OVERHEAD_BYTES;
  // This plugin's own parsers: both media types are read as bytes, never as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['message/rfc822', 'multipart/form-data'], { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));

  app.post('/webhooks/email', { bodyLimit, handlerTimeout: ctx.config.kafka.publishTimeoutMs + 10_000, config: PUBLIC }, async (request, reply) => {
    if (!authorised(request.headers.authorization, ctx.config.channels.email.webhookPassword)) {
      reply.header('www-authenticate', 'Basic realm="email"');
      return sendError(reply, 403, 'forbidden', 'the e-mail webhook needs the configured basic-auth password (channels.email.webhookPassword)');
    }
    // An empty body never reaches the parser: it is an empty (and so refused, and kept) message.
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const contentType = request.headers['content-type'] ?? '';
    const receivedAt = ctx.now();
    const input: ReceiveInput =
      mediaType(contentType) === 'message/rfc822'
        ? {
            provider: 'smtp',
            received: { body, contentType },
            receivedAt,
            load: async () => ({
              mail: await parseRawMail(body),
              source: { provider: 'smtp', original: { content: body, filename: 'original.eml', contentType: 'message/rfc822' }, envelopeRecipients: [], receivedAt },
            }),
          }
        : {
            provider: 'sendgrid',
            received: { body, contentType },
            receivedAt,
            load: async () => sendgridMail(await readFormData(body, contentType, bodyLimit), { body, contentType }, receivedAt),
          };
    const outcome = await receiveMail(ctx, settings, input);
    if (outcome.kind === 'accepted') return reply.code(200).send({ status: outcome.duplicate ? 'duplicate' : 'accepted', eventIds: outcome.eventIds });
    if (outcome.kind === 'rejected') return outcome.code === MESSAGE_TOO_LARGE ? sendError(reply, 413, MESSAGE_TOO_LARGE, outcome.reason) : sendError(reply, 400, 'email_rejected', outcome.reason);
    request.log.warn({ reason: outcome.reason }, 'email deferred');
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return sendError(reply, 503, 'log_unavailable', 'the event log is unavailable; retry later (sending the same message again is safe)');
  });
};
