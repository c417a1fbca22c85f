import { createTransport } from 'nodemailer';
import type { Config } from '../../config/schema.ts';
import { PermanentDeliveryError, type Connector } from './types.ts';
import type { OutboundFiles } from '../attachments.ts';

type OutboundMail = Config['channels']['email']['outbound'];

/** `Support <support@example.com>` or a bare address: the address part, split at the last @. */
function addressOf(from: string): { local: string; domain: string } {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
  const at = address.lastIndexOf('@');
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** Message ids in headers are `<...>`; providers and adapters store them with or without. */
const bracketed = (id: string) => (id.startsWith('<') ? id : `<${id}>`);

/**
 * E-mail replies over SMTP (nodemailer, pooled connections). Threading: In-Reply-To and References
 * name the customer's message, and Reply-To is a `+c<conversation>` sub-address of our From, so the
 * customer's answer finds the conversation even when a client drops the headers. The Message-ID is
 * derived from our message id: every attempt sends the same one, so a receiving server or client
 * that dedupes by Message-ID shows a repeat once. Files are attached from the attachment store
 * (nodemailer reads each by path as it writes the message, never all of them into memory at once).
 */
export function smtpConnector(config: OutboundMail, timeoutMs: number, files: OutboundFiles): Connector {
  const transport = createTransport({
    pool: true,
    host: config.host,
    port: config.port,
    secure: config.secure,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const { local, domain } = addressOf(config.from);

  return {
    async send(message) {
      const headers: Record<string, string> = {};
      if (message.conversation) headers['X-CS-Conversation'] = message.conversation;
      // RFC 3834: a bot's or the system's mail is automatic, so the customer's auto-responder stays quiet.
      if (message.author.kind !== 'agent') headers['Auto-Submitted'] = 'auto-generated';
      const messageId = `<${message.messageId.replace(/[^A-Za-z0-9._-]/g, '_')}@${domain}>`;
      // Outside the try: a file missing from the store is final, not an SMTP error to retry.
      const attachments = await Promise.all(files.of(message).map(async (file) => ({ filename: file.filename, contentType: file.contentType, path: await files.path(file) })));
      try {
        const info = await transport.sendMail({
          from: config.from,
          to: message.handle,
          subject: message.subject ?? 'Re: your message',
          text: message.text,
          messageId,
          ...(message.conversation ? { replyTo: `${local}+c${message.conversation}@${domain}` } : {}),
          ...(message.inReplyTo ? { inReplyTo: bracketed(message.inReplyTo), references: [bracketed(message.inReplyTo)] } : {}),
          headers,
          ...(attachments.length > 0 ? { attachments } : {}),
        });
        return { providerMessageId: typeof info.messageId === 'string' ? info.messageId : messageId };
      } catch (err) {
        throw smtpError(err as Error & { responseCode?: number; code?: string });
      }
    },
    close: async () => transport.close(),
  };
}

/** 5xx replies and envelope errors (a refused recipient) are final; 4xx and network errors are not. */
function smtpError(err: Error & { responseCode?: number; code?: string }): Error {
  const detail = `SMTP ${err.responseCode ?? err.code ?? 'error'}: ${err.message}`.slice(0, 900);
  const final = (err.responseCode !== undefined && err.responseCode >= 500) || (err.responseCode === undefined && err.code === 'EENVELOPE');
  return final ? new PermanentDeliveryError(detail) : new Error(detail, { cause: err });
}
