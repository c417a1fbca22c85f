/**
 * The customer's own words of an e-mail reply: quoted history and signature removed, so agents,
 * triage and contact-reason analysis see what is new. Deliberately line-based and conservative:
 * the full original is stored aside (original.eml), so a missed quote costs little, while cutting
 * real text would lose it from the conversation. When stripping leaves nothing, the full text is kept.
 *
 * The plain text decides, with two second opinions that may only shorten the reply's tail: the HTML
 * part, whose quote markup (`gmail_quote`, `blockquote type=cite`, Outlook's `divRplyFwdMsg`…) is the
 * same in every language, and email-reply-parser, which knows attributions in languages we do not
 * list (pl, it, da/sv/no, fi…) and mobile signatures. Measured on tests/unit/channels/email-quotes
 * (email-quotes.unit.spec.ts): ours beat the parser on multi-line headers, ru/zh/ja and
 * bottom-posting, which is why it is not the first opinion.
 */
import EmailReplyParser from 'email-reply-parser';
import { htmlReplyEnd } from './strip-html.ts';

/** Separator lines that start the quoted history (everything from here down is the previous message). */
const historyStarts: RegExp[] = [
  // "-----Original Message-----", "-------- Исходное сообщение --------", "------------------ 原始邮件 ------------------", forwards.
  /^[-=]{2,}\s*(Original Message|Forwarded message|Исходное сообщение|Пересылаемое сообщение|Original-Nachricht|Ursprüngliche Nachricht|Weitergeleitete Nachricht|Message d'origine|Message transféré|Mensaje original|Mensaje reenviado|Mensagem original|Mensagem encaminhada|Messaggio originale|原始邮件|原始郵件|转发的邮件|元のメッセージ|転送されたメッセージ)\s*[-=]{2,}\s*$/i,
  // Outlook's separator line above its "From: / Sent:" block.
  /^_{20,}\s*$/,
];

/** The "-- " signature delimiter (RFC 3676); many clients drop the trailing space. */
const signatureDelimiter = /^-- ?$/;

/**
 * Attribution lines ("On <date>, <name> wrote:") as the clients write them in our customers'
 * languages, matched on the line(s) joined with a space: clients wrap them over two or three lines.
 * Each starts with a keyword or a date, so a customer's line above one cannot be taken for its start.
 */
const attributions: RegExp[] = [
  /^On\s.{5,}\swrote\s?:$/i, // en: On Mon, Jan 1, 2024 at 10:00 AM John <j@x> wrote:
  /^Le\s.{5,}\sa\s[ée]crit\s?:$/i, // fr: Le lun. 1 janv. 2024 à 10:00, John <j@x> a écrit :
  /^Am\s.{5,}\sschrieb\b.{0,200}:$/i, // de: Am Mo., 1. Jan. 2024 um 10:00 Uhr schrieb John <j@x>:
  /^El\s.{5,}\sescribi[óo]\s?:$/i, // es: El lun, 1 ene 2024 a las 10:00, John (<j@x>) escribió:
  /^Em\s.{5,}\sescreveu\s?:$/i, // pt: Em seg., 1 de jan. de 2024 às 10:00, John <j@x> escreveu:
  /^Il\s.{5,}\sha\sscritto\s?:$/i, // it
  /^Op\s.{5,}\sschreef\b.{0,200}:$/i, // nl
  // ru: "1 января 2024 г., в 10:00, пользователь John <j@x> написал:", iOS "… John <j@x> написал(а):"
  /^([А-Яа-яЁё]+,?\s)?\d.{5,}\sнаписал(а|\(а\))?\s?:$/,
  // ru Gmail: "пн, 1 янв. 2024 г. в 10:00, John <j@x>:"
  /^(пн|вт|ср|чт|пт|сб|вс),\s\d{1,2}\s.{3,}\d{1,2}:\d{2},\s.+:$/,
  /^在.{5,}[写寫]道\s?[:：]$/, // zh (Foxmail, QQ): 在 2024年1月1日 10:00，John 写道：
  /^.{1,200}于\s?\d{4}年.{3,}[写寫]道\s?[:：]$/, // zh Gmail: John <j@x> 于2024年1月1日周一 上午10:00写道：
  /^\d{4}年\d{1,2}月\d{1,2}日.{3,}[:：]$/, // ja Gmail: 2024年1月1日(月) 10:00 John <j@x>:
  /^\d{4}\/\d{1,2}\/\d{1,2}.{3,}のメッセージ\s?[:：]$/, // ja Apple/Outlook: 2024/01/01 10:00、John <j@x> のメッセージ:
  /^\d{4}년\s?\d{1,2}월.{3,}작성\s?[:：]$/, // ko Gmail: 2024년 1월 1일 (월) 오전 10:00, John <j@x>님이 작성:
  // Any language: a date and time, then the sender's address (Yandex "01.01.2024, 10:00, "John" <j@x>:",
  // Mail.ru "Понедельник, 1 января 2024, 10:00 +03:00 от John <j@x>:").
  /^.{0,40}\d.{0,80}\d{1,2}:\d{2}.{0,150}<[^<>\s@]+@[^<>\s]+>\s?[:：]$/,
];
/** How many lines a client's wrapping spreads one attribution over. */
const MAX_ATTRIBUTION_LINES = 3;

/** Outlook's header block of the quoted message: `From: …` followed within a few lines by `Sent: …`, in the user's language. */
const outlookFrom = /^\*?(From|Von|De|От|Від|Od|Da|Van|Från|Fra|发件人|寄件者|差出人|送信者)\s?\*?\s?[:：]\*?\s?.+/i;
const outlookSent = /^\*?(Sent|Date|Gesendet|Datum|Envoyé|Date d'envoi|Отправлено|Дата|Надіслано|Enviado|Enviada|Fecha|Data|Inviato|Verzonden|Skickat|Sendt|发送时间|日期|寄件日期|送信日時|日付)\s?\*?\s?[:：]\*?\s?.+/i;

const isBlank = (line: string): boolean => line.trim().length === 0;
const isQuoted = (line: string): boolean => line.trimStart().startsWith('>');

/** The first line of an attribution ending on line `end`, or undefined. The shortest match wins. */
function attributionStart(lines: readonly string[], end: number): number | undefined {
  for (let start = end; start > end - MAX_ATTRIBUTION_LINES && start >= 0; start--) {
    if (isBlank(lines[start]!) || isQuoted(lines[start]!)) return undefined;
    const joined = lines
      .slice(start, end + 1)
      .map((l) => l.trim())
      .join(' ');
    if (joined.length < 400 && attributions.some((re) => re.test(joined))) return start;
  }
  return undefined;
}

function isOutlookHeader(lines: readonly string[], i: number): boolean {
  if (!outlookFrom.test(lines[i]!.trim())) return false;
  return lines.slice(i + 1, i + 5).some((line) => outlookSent.test(line.trim()));
}

/** Whether the next non-blank line after `i` is `>`-quoted. */
function quoteFollows(lines: readonly string[], i: number): boolean {
  const next = lines.slice(i + 1).find((l) => !isBlank(l));
  return next !== undefined && isQuoted(next);
}

/**
 * The lines kept: up to the first quoted history or signature. An attribution with nothing but
 * quotes above it and a `>` block below is a bottom-posted reply: the attribution goes, the quoted
 * lines go (below), and the reading goes on to the customer's text under the quote.
 */
function keptLines(lines: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (signatureDelimiter.test(line)) break;
    if (historyStarts.some((re) => re.test(line.trim())) || isOutlookHeader(lines, i)) break;
    const start = attributionStart(lines, i);
    if (start !== undefined) {
      kept.splice(kept.length - (i - start));
      const replySoFar = kept.some((l) => !isBlank(l) && !isQuoted(l));
      if (replySoFar || !quoteFollows(lines, i)) break;
      continue;
    }
    kept.push(line);
  }
  // Interleaved quotes ("> question" then the answer) keep the answers only.
  return kept.filter((line) => !isQuoted(line));
}

function stripText(text: string): string {
  return keptLines(text.replace(/\r\n?/g, '\n').split('\n'))
    .join('\n')
    .trim();
}

/**
 * The customer's words of a mail: from its plain text, and its HTML part as a second opinion where
 * the HTML marks a quote earlier than the text shows one.
 */
export function stripQuotedReply(text: string, html?: string | false): string {
  const full = text.trim();
  let reply = stripText(text);
  const htmlReply = html ? cutAtHtmlQuote(text, html) : undefined;
  // The HTML may only shorten the reply's tail (an attribution or quote the text did not show as one).
  if (htmlReply !== undefined && shortensTail(reply, htmlReply)) reply = htmlReply;
  // The parser's regular expressions are not linear-time without re2: only a short reply is given to it.
  if (reply.length <= LIBRARY_MAX_CHARS) {
    const libraryReply = new EmailReplyParser().parseReply(reply).trim();
    if (shortensTail(reply, libraryReply)) reply = libraryReply;
  }
  return reply.length > 0 ? reply : full;
}

/**
 * Cut the plain text where the HTML's quote starts: at the line that matches the last line of the
 * HTML before its quote markup. Undefined when the HTML marks no quote or the lines cannot be matched
 * (the plain text may have been written apart from the HTML): then the text stays as it is.
 */
function cutAtHtmlQuote(text: string, html: string): string | undefined {
  const before = htmlReplyEnd(html);
  if (before === undefined) return undefined;
  const ownLines = before.split('\n').map(normalise).filter(Boolean);
  const last = ownLines.at(-1);
  if (last === undefined) return undefined;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  // The first line that matches and has at least as many of the reply's lines above it.
  let seen = 0;
  const at = lines.findIndex((l) => {
    const match = normalise(l) === last && seen >= ownLines.length - 1;
    if (normalise(l)) seen++;
    return match;
  });
  if (at < 0) return undefined;
  // The reply's own attribution line, if the client put it outside the quote markup, is history too.
  const reply = stripText(lines.slice(0, at + 1).join('\n'));
  return reply.length > 0 ? reply : undefined;
}

const LIBRARY_MAX_CHARS = 16 * 1024;

/** A second opinion is taken when it only drops lines at the end of what we kept, and leaves something. */
const shortensTail = (reply: string, other: string): boolean => other.length > 0 && other.length < reply.length && reply.startsWith(other);

const normalise = (line: string): string => line.replace(/\s+/g, ' ').trim();
