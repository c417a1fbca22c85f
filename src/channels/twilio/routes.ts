import type { FastifyReply, FastifyRequest } from 'fastify';
import { EventValidationError } from '../../../events/index.ts';
import { sendError } from '../../http/errors.ts';
import { charsetOf } from '../../http/input.ts';
import { LogUnavailableError, RecordTooLargeError } from '../../log/event-log.ts';
import type { ChannelContext, ChannelRoutes } from '../context.ts';
import { IngestInProgressError } from '../ingest.ts';
import { MESSAGE_TOO_LARGE, messageTooLarge } from '../limits.ts';
import { formEncodingProblem, param, parseForm, type FormParams } from './form.ts';
import { parseInbound } from './inbound.ts';
import { verifyTwilioSignature } from './signature.ts';
import { appendTwilioStatus } from './status.ts';
import { PUBLIC } from '../../http/route-access.ts';

const FORM = 'application/x-www-form-urlencoded';
/** Twilio ignores the body of a status callback; for a message, an empty TwiML says "no reply". */
const EMPTY_TWIML = '<Response/>';
const RETRY_AFTER_SECONDS = 5;

/**
 * Twilio Programmable Messaging webhooks: inbound SMS/MMS and status callbacks, on one URL or two.
 * The answer is 200 only once the event is on the log, so Twilio's retry covers every failure.
 */
export const twilioRoutes: ChannelRoutes = (app, ctx) => {
  // The raw form bytes: what we check, verify, parse ourselves, and keep when we refuse it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(FORM, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const handlerTimeout = ctx.config.kafka.publishTimeoutMs + 10_000;
  const log = ctx.logger.child({ adapter: 'twilio' });

  app.post('/webhooks/twilio/sms', { handlerTimeout, config: PUBLIC }, (request, reply) => handle(ctx, log, request, reply, 'any'));
  app.post('/webhooks/twilio/status', { handlerTimeout, config: PUBLIC }, (request, reply) => handle(ctx, log, request, reply, 'status'));
};

type Log = ChannelContext['logger'];

async function handle(ctx: ChannelContext, log: Log, request: FastifyRequest, reply: FastifyReply, expects: 'any' | 'status'): Promise<FastifyReply> {
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const keep: Keep = (reason, tenant, taken) =>
    ctx.rejected.keep({ tenant, provider: 'twilio', contentType: request.headers['content-type'], body: bytes, reason, receivedAt: ctx.now().toISOString(), ...taken });
  const refuse: Refuse = (status, code, reason, tenant) => keepAndRefuse(ctx, keep, reply, { status, code, reason, tenant });
  // Twilio sends UTF-8 and says so (or says nothing); a form in another charset is not Twilio's.
  const charset = charsetOf(request.headers['content-type']);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return refuse(415, 'unsupported_charset', `charset ${JSON.stringify(charset.slice(0, 40))} is not accepted: Twilio sends UTF-8`, null);
  const encoding = formEncodingProblem(bytes);
  if (encoding) return refuse(400, 'invalid_encoding', encoding, null);
  const params = parseForm(bytes.toString('utf8'));

  const accountSid = param(params, 'AccountSid');
  const account = accountSid && Object.hasOwn(ctx.config.channels.twilio.accounts, accountSid) ? ctx.config.channels.twilio.accounts[accountSid] : undefined;
  if (!account) return refuse(403, 'unknown_account', accountSid ? `unknown Twilio AccountSid ${accountSid.slice(0, 64)}` : 'AccountSid is missing', null);
  const url = ctx.config.channels.publicUrl.replace(/\/+$/, '') + request.url;
  const signature = request.headers['x-twilio-signature'];
  if (!verifyTwilioSignature(account.authToken, typeof signature === 'string' ? signature : undefined, url, params)) {
    return refuse(403, 'invalid_signature', signature ? 'X-Twilio-Signature does not match' : 'X-Twilio-Signature is missing', account.tenant);
  }

  try {
    // A status callback carries MessageStatus and no Body; an inbound message always has Body (empty for MMS without text).
    const isStatus = expects === 'status' || (param(params, 'Body') === undefined && param(params, 'MessageStatus') !== undefined);
    return isStatus ? await handleStatus(ctx, log, reply, account.tenant, params, refuse) : await handleMessage(ctx, reply, account.tenant, params, refuse, keep);
  } catch (err) {
    if (err instanceof LogUnavailableError || err instanceof IngestInProgressError) {
      log.warn({ tenant: account.tenant, err: err.message }, 'webhook not taken now; Twilio will retry');
      return sendError(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, err instanceof LogUnavailableError ? 'log_unavailable' : 'in_progress', err.message);
    }
    if (err instanceof EventValidationError) return refuse(400, 'invalid_message', err.message, account.tenant);
    if (err instanceof RecordTooLargeError) return refuse(413, MESSAGE_TOO_LARGE, err.message, account.tenant);
    throw err;
  }
}

type Refuse = (status: number, code: string, reason: string, tenant: string | null) => Promise<FastifyReply>;
/** Puts the request's raw body on the rejected-input topic with a reason (and, if it was taken all the same, its event). */
type Keep = (reason: string, tenant: string | null, taken?: { eventId: string; items: number }) => Promise<void>;

async function handleMessage(ctx: ChannelContext, reply: FastifyReply, tenant: string, params: FormParams, refuse: Refuse, keep: Keep): Promise<FastifyReply> {
  const parsed = parseInbound(params, tenant, ctx.now());
  if (!parsed.ok) return refuse(400, 'invalid_message', parsed.reason, tenant);
  const tooLarge = messageTooLarge(parsed.message, ctx.config);
  if (tooLarge) return refuse(413, MESSAGE_TOO_LARGE, tooLarge, tenant);
  const outcome = await ctx.ingestor.ingest(parsed.message);
  if (outcome.status === 'rejected') return refuse(400, 'invalid_message', outcome.reason, tenant);
  if (parsed.problems.length > 0) {
    // Taken, but not as sent: the raw body goes beside the event with what was missing, as a refused
    // Meta item does. Kept after the append (the record names the event); a Twilio retry is a
    // duplicate of the message and keeps the record again, so when it cannot be kept the answer is a
    // 503 as for a refusal, and nothing Twilio sent is lost either way.
    const reason = `taken as message.received ${outcome.eventId} without what is missing: ${parsed.problems.join('; ')}`;
    try {
      await keep(reason, tenant, { eventId: outcome.eventId, items: parsed.problems.length });
    } catch (err) {
      ctx.logger.error({ adapter: 'twilio', tenant, err: (err as Error).message }, 'could not keep what a taken webhook was missing');
      return unavailable(reply, 'what the message was missing could not be kept; retry later');
    }
  }
  return twiml(reply);
}

async function handleStatus(ctx: ChannelContext, log: Log, reply: FastifyReply, tenant: string, params: FormParams, refuse: Refuse): Promise<FastifyReply> {
  const outcome = await appendTwilioStatus(ctx, tenant, params);
  if (outcome.status === 'invalid') return refuse(400, 'invalid_status', outcome.reason, tenant);
  if (outcome.status === 'ignored') {
    // An unknown recipient is worth a look (a number we send from elsewhere?); an untracked step is not.
    const level = outcome.why.startsWith('status') ? 'debug' : 'warn';
    log[level]({ tenant, messageSid: param(params, 'MessageSid')?.slice(0, 64), why: outcome.why }, 'status callback skipped');
  }
  return twiml(reply);
}

const twiml = (reply: FastifyReply) => reply.code(200).type('text/xml; charset=utf-8').send(EMPTY_TWIML);

/**
 * Refuses with a 4xx after putting the raw body on the rejected-input topic. If even that topic is
 * unreachable the body would be lost, so the answer becomes 503 and Twilio sends it again.
 */
async function keepAndRefuse(
  ctx: ChannelContext,
  keep: Keep,
  reply: FastifyReply,
  refusal: { status: number; code: string; reason: string; tenant: string | null },
): Promise<FastifyReply> {
  try {
    await keep(refusal.reason, refusal.tenant);
  } catch (err) {
    ctx.logger.error({ adapter: 'twilio', err: (err as Error).message }, 'could not keep a refused webhook');
    return unavailable(reply, 'the refused input could not be kept; retry later');
  }
  return sendError(reply, refusal.status, refusal.code, refusal.reason);
}

const unavailable = (reply: FastifyReply, message: string) => sendError(reply.header('retry-after', String(RETRY_AFTER_SECONDS)), 503, 'log_unavailable', message);
