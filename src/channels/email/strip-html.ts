/**
 * Where the quoted history starts in a reply's HTML part. The clients mark it with markup that is
 * the same in every language, which makes it a good second opinion for the plain text (strip.ts).
 * A plain scan for the opening tags, not a DOM: only the first marker's position matters, and
 * what comes before it is rendered to lines just well enough to match the plain text's lines.
 */

/** Opening tags that start the quoted history, one per client. */
const quoteMarkers: RegExp[] = [
  /<div\b[^>]*\bclass\s*=\s*["'][^"']*\bgmail_quote\b/i, // Gmail (the attribution is inside)
  /<blockquote\b[^>]*\btype\s*=\s*["']?cite\b/i, // Apple Mail, Thunderbird
  /<div\b[^>]*\bclass\s*=\s*["'][^"']*\bmoz-cite-prefix\b/i, // Thunderbird's attribution above its blockquote
  /<[a-z]+\b[^>]*\bid\s*=\s*["']?(divRplyFwdMsg|appendonsend)\b/i, // Outlook on the web, new Outlook
  /<div\b[^>]*\bstyle\s*=\s*["'][^"']*border-top\s*:\s*solid\s+#(E1E1E1|B5C4DF)\b/i, // Outlook desktop's rule above "From:"
  /<blockquote\b/i, // Yandex, Mail.ru and others: a plain blockquote, the attribution just above it
];

/** An attribution left just above a plain blockquote: a line ending with a colon that names a time or an address. */
const attributionAbove = /(\d{1,2}:\d{2}|@|&lt;|<).*[:：]\s*$/;

const entities: Record<string, string> = { nbsp: ' ', lt: '<', gt: '>', quot: '"', amp: '&', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return entities[name.toLowerCase()] ?? all;
  });
}

/** Lines of an HTML fragment, as a reader sees them (blank lines dropped). */
function htmlLines(html: string): string[] {
  const text = html
    .replace(/<head\b[\s\S]*?<\/head>/gi, '')
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br\b[^>]*>|<\/(p|div|li|tr|h\d|blockquote)>|<(p|div|tr|li|h\d)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decode(text)
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/**
 * The lines of the reply before the HTML's quote markup, or undefined when the HTML marks no quote
 * or nothing comes before it (a bottom-posted reply: the plain text decides).
 */
export function htmlReplyEnd(html: string): string | undefined {
  const offsets = quoteMarkers.map((re) => html.search(re)).filter((at) => at >= 0);
  if (offsets.length === 0) return undefined;
  const lines = htmlLines(html.slice(0, Math.min(...offsets)));
  if (lines.length > 0 && attributionAbove.test(lines.at(-1)!)) lines.pop();
  return lines.length > 0 ? lines.join('\n') : undefined;
}
