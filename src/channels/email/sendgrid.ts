import { FormDataError, type FormParts } from './form-data.ts';
import { parseRawMail, type MailContent, type MailSource } from './parse.ts';

/**
 * SendGrid Inbound Parse posts either the whole MIME message (raw mode: field `email`) or the
 * message taken apart (parsed mode: `headers`, `text`, `html`, `subject`, `attachmentN` files with
 * `attachment-info`, and `charsets` naming each field's charset). Either way `envelope` holds the
 * SMTP envelope, whose `to` decides the tenant.
 */
export async function sendgridMail(form: FormParts, request: { body: Buffer; contentType: string }, receivedAt: Date): Promise<{ mail: MailContent; source: MailSource }> {
  const envelopeRecipients = envelopeTo(form.fields.get('envelope'));
  const raw = form.fields.get('email');
  if (raw !== undefined) {
    const source: MailSource = { provider: 'sendgrid', original: { content: raw, filename: 'original.eml', contentType: 'message/rfc822' }, envelopeRecipients, receivedAt };
    return { mail: await parseRawMail(raw), source };
  }
  const headerBlock = form.fields.get('headers');
  if (headerBlock === undefined) throw new FormDataError('neither an "email" field (raw mode) nor a "headers" field (parsed mode)');
  return { mail: await parsedModeMail(form, headerBlock), source: parsedModeSource(request, envelopeRecipients, receivedAt) };
}

/** Parsed mode has no original message; the form itself is what is kept. */
function parsedModeSource(request: { body: Buffer; contentType: string }, envelopeRecipients: string[], receivedAt: Date): MailSource {
  return { provider: 'sendgrid', original: { content: request.body, filename: 'sendgrid-inbound-parse.txt', contentType: request.contentType }, envelopeRecipients, receivedAt };
}

async function parsedModeMail(form: FormParts, headerBlock: Buffer): Promise<MailContent> {
  // The header block alone is a message with an empty body: mailparser decodes From, To, Subject.
  const headersOnly = await parseRawMail(Buffer.concat([headerBlock, Buffer.from('\r\n\r\n')]));
  const charsets = jsonObject(form.fields.get('charsets'));
  const field = (name: string) => {
    const bytes = form.fields.get(name);
    const charset = Object.hasOwn(charsets, name) ? charsets[name] : undefined;
    return bytes === undefined ? undefined : decode(bytes, typeof charset === 'string' ? charset : 'utf-8');
  };
  const html = field('html');
  const text = field('text') ?? htmlToText(html);
  const info = jsonObject(form.fields.get('attachment-info'));
  const attachments = form.files.map((file) => {
    // An own key only: a file field named `constructor` must not find Object's.
    const described = Object.hasOwn(info, file.field) ? info[file.field] : undefined;
    const meta = (typeof described === 'object' && described !== null ? described : {}) as Record<string, unknown>;
    const filename = typeof meta.filename === 'string' ? meta.filename : file.filename;
    const contentType = typeof meta.type === 'string' ? meta.type : file.contentType;
    const contentId = typeof meta['content-id'] === 'string' ? `<${meta['content-id'].replace(/^<|>$/g, '')}>` : undefined;
    return { filename, contentType, content: file.content, contentId };
  });
  return {
    headerLines: headersOnly.headerLines,
    from: headersOnly.from,
    to: headersOnly.to,
    cc: headersOnly.cc,
    subject: field('subject') ?? headersOnly.subject,
    text,
    // The quote markup of the HTML part (gmail_quote, blockquote type=cite, …) is a second opinion on where the reply ends.
    ...(html !== undefined ? { html } : {}),
    attachments,
  };
}

function envelopeTo(bytes: Buffer | undefined): string[] {
  const to = jsonObject(bytes).to;
  return Array.isArray(to) ? to.filter((t): t is string => typeof t === 'string') : [];
}

function jsonObject(bytes: Buffer | undefined): Record<string, unknown> {
  if (bytes === undefined) return {};
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    throw new FormDataError(`a JSON field does not parse: ${JSON.stringify(bytes.toString('utf8').slice(0, 80))}`);
  }
}

/** Node's TextDecoder (ICU) knows the charsets mail uses; an unknown label falls back to UTF-8. */
function decode(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Parsed mode with an HTML part only: a plain rendering good enough for triage (the form is kept). */
function htmlToText(html: string | undefined): string | undefined {
  if (html === undefined) return undefined;
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}

