/**
 * The customer's own words of an e-mail reply: quoted history and signature removed, so agents,
 * triage and contact-reason analysis see what is new. Deliberately line-based and conservative:
 * the full original is stored aside (original.eml), so a missed quote costs little, while cutting
 * real text would lose it from the conversation. When stripping leaves nothing, the full text is kept.
 */

/** Lines that start the quoted history (everything from here down is the previous message). */
const historyStarts: RegExp[] = [
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i,
  /^-{2,}\s*Forwarded message\s*-{2,}\s*$/i,
  // Outlook's separator line above its "From: / Sent:" block.
  /^_{20,}\s*$/,
];

/** The "-- " signature delimiter (RFC 3676); many clients drop the trailing space. */
const signatureDelimiter = /^-- ?$/;

/** `On <date>, <name> wrote:`; clients wrap it, so it may span up to three lines. */
const onWroteStart = /^On\s.+/;
const onWroteEnd = /wrote:\s*$/;

/** Outlook's header block of the quoted message: `From: …` followed within a few lines by `Sent: …`. */
const outlookFrom = /^\*?From:\*?\s.+/;
const outlookSent = /^\*?(Sent|Date):\*?\s.+/;

function isOnWrote(lines: readonly string[], i: number): boolean {
  if (!onWroteStart.test(lines[i]!)) return false;
  const joined = lines.slice(i, i + 3).join(' ');
  return lines.slice(i, i + 3).some((line) => onWroteEnd.test(line)) && joined.length < 400;
}

function isOutlookHeader(lines: readonly string[], i: number): boolean {
  if (!outlookFrom.test(lines[i]!)) return false;
  return lines.slice(i + 1, i + 5).some((line) => outlookSent.test(line.trim()));
}

/** Index of the first line of quoted history or signature, or the line count when there is none. */
function cutIndex(lines: readonly string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (signatureDelimiter.test(line)) return i;
    if (historyStarts.some((re) => re.test(line.trim()))) return i;
    if (isOnWrote(lines, i) || isOutlookHeader(lines, i)) return i;
  }
  return lines.length;
}

export function stripQuotedReply(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept = lines
    .slice(0, cutIndex(lines))
    // Interleaved quotes ("> question" then the answer) keep the answers only.
    .filter((line) => !line.trimStart().startsWith('>'));
  const reply = kept.join('\n').trim();
  return reply.length > 0 ? reply : text.trim();
}
