import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { countRejected } from '../../observability/metrics.ts';
import type { ChannelContext } from '../context.ts';
import { MESSAGE_TOO_LARGE } from '../limits.ts';
import { matchSupportAddress } from './addresses.ts';
import { parseRawMail } from './parse.ts';
import { mailSettings, receiveMail, type ReceiveOutcome } from './receive.ts';

export interface SmtpListener {
  /** The port listened on (useful with port 0). */
  port: number;
  /** Stops accepting connections; sessions in progress finish (or are cut after smtp-server's close timeout). */
  close(): Promise<void>;
}

/** An Error carrying the SMTP reply code smtp-server answers with. */
function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      // Past the limit smtp-server answers 552 itself; keep reading (to the end of DATA) but not buffering.
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function answer(outcome: ReceiveOutcome): { err: Error | null; message?: string } {
  if (outcome.kind !== 'accepted') countRejected('smtp', outcome.kind === 'rejected' ? outcome.code : 'log_unavailable');
  if (outcome.kind === 'accepted') return { err: null, message: `OK: ${outcome.duplicate ? 'already received as' : 'accepted as'} ${outcome.eventIds.join(' ')}` };
  // 554 "transaction failed" for good: the sending MTA bounces it to the sender with our reason.
  // 552 for size (RFC 5321: exceeded storage allocation), so the bounce says what is wrong.
  if (outcome.kind === 'rejected') return { err: smtpError(outcome.code === MESSAGE_TOO_LARGE ? 552 : 554, `Message refused: ${outcome.reason}`) };
  return { err: smtpError(451, `Temporary failure, try again later: ${outcome.reason}`) };
}

/**
 * Receives mail for the configured support addresses over plain SMTP (meant to sit behind the
 * organisation's MX or a relay: no AUTH, no STARTTLS). DATA is answered 250 only once the event is
 * on Kafka, so an MTA never drops a message we did not keep: a Kafka outage is a 451 it retries.
 */
export async function startSmtpListener(ctx: ChannelContext, options: { host: string; port: number }): Promise<SmtpListener> {
  const settings = mailSettings(ctx);
  const { addresses } = settings;
  const { maxMessageBytes } = ctx.config.channels.email.smtp;
  const log = ctx.logger.child({ component: 'smtp' });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxMessageBytes,
    logger: false,
    // A reverse lookup per connection would slow every session and tells us nothing we use.
    disableReverseLookup: true,
    onRcptTo(address, _session, callback) {
      if (matchSupportAddress(addresses, address.address)) return callback();
      countRejected('smtp', 'unknown_recipient');
      callback(smtpError(550, `Mailbox unavailable: ${address.address} is not a support address served here`));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      void (async () => {
        const raw = await readAll(stream);
        if (stream.sizeExceeded) {
          countRejected('smtp', MESSAGE_TOO_LARGE);
          return callback(smtpError(552, `Message exceeds the maximum size of ${maxMessageBytes} bytes`));
        }
        const receivedAt = ctx.now();
        const envelopeRecipients = session.envelope.rcptTo.map((r) => r.address);
        const outcome = await receiveMail(ctx, settings, {
          provider: 'smtp',
          received: { body: raw, contentType: 'message/rfc822' },
          receivedAt,
          load: async () => ({
            mail: await parseRawMail(raw),
            source: { provider: 'smtp', original: { content: raw, filename: 'original.eml', contentType: 'message/rfc822' }, envelopeRecipients, receivedAt },
          }),
        });
        const { err, message } = answer(outcome);
        if (outcome.kind === 'unavailable') log.warn({ reason: outcome.reason }, 'smtp message deferred');
        callback(err, message);
      })().catch((err: unknown) => {
        // The client went away in the middle of DATA: nothing to answer, nothing was kept.
        if ((err as { code?: unknown }).code === 'ECONNECTION') log.info({ reason: (err as Error).message }, 'smtp client left during DATA');
        // Redis or the attachment store failed: nothing was acknowledged, so the MTA may retry.
        else log.error({ reason: (err as Error).message, stack: (err as Error).stack }, 'smtp message failed');
        callback(smtpError(451, 'Temporary local error, try again later'));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After start-up a socket error is one client's problem; smtp-server reports it here.
  server.on('error', (err: Error) => log.warn({ reason: err.message }, 'smtp connection error'));
  const port = (server.server.address() as AddressInfo).port;
  log.info({ host: options.host, port }, 'smtp listening');
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
