import { firstHeader, type RawHeaders } from './headers.ts';

/**
 * Mail written by a machine on the customer's side. It is kept on the log (marked) but must not
 * open conversations, move SLA clocks or trigger surveys: answering an out-of-office with a survey
 * invitation starts a mail loop.
 */
export type Automated = 'auto-reply' | 'bounce';

/** Senders of delivery status notifications by convention (RFC 5321 section 4.5.1 and practice). */
const bounceSenders = /^(mailer-daemon|postmaster)@/i;

/** Precedence values that mark list or robot mail (a de-facto header; RFC 3834 section 3.1.8). */
const automatedPrecedence = /^(bulk|junk|auto_reply|list)$/i;

export function isBounce(headers: RawHeaders, fromAddress: string | undefined): boolean {
  const contentType = firstHeader(headers, 'content-type') ?? '';
  // RFC 3464: a DSN is multipart/report with report-type=delivery-status.
  if (/^\s*multipart\/report\b/i.test(contentType) && /report-type\s*=\s*"?delivery-status"?/i.test(contentType)) return true;
  return fromAddress !== undefined && bounceSenders.test(fromAddress.trim());
}

export function isAutoReply(headers: RawHeaders): boolean {
  // RFC 3834: anything but "no" (parameters after ";" aside) was generated automatically.
  const autoSubmitted = firstHeader(headers, 'auto-submitted');
  if (autoSubmitted !== undefined && autoSubmitted.split(';')[0]!.trim().toLowerCase() !== 'no') return true;
  const precedence = firstHeader(headers, 'precedence');
  if (precedence !== undefined && automatedPrecedence.test(precedence.trim())) return true;
  // Vendor headers (Exchange, many autoresponders) whose presence alone marks an auto-reply.
  return headers.has('x-autoreply') || headers.has('x-autorespond');
}

/** A bounce wins over an auto-reply: a DSN may carry the original's auto-reply headers. */
export function detectAutomated(headers: RawHeaders, fromAddress: string | undefined): Automated | undefined {
  if (isBounce(headers, fromAddress)) return 'bounce';
  if (isAutoReply(headers)) return 'auto-reply';
  return undefined;
}
