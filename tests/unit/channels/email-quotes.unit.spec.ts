import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import EmailReplyParser from 'email-reply-parser';
import { describe, expect, it } from 'vitest';
import { stripQuotedReply } from '../../../src/channels/email/strip.ts';

/**
 * Issue #16: quoted history in every client and language. Each case of email-quotes/ is the plain
 * text part of a reply as mailparser gives it (`<case>.txt`), the HTML part when the client sends one
 * (`<case>.html`), and the customer's own words (`<case>.expected.txt`); cases.json names the client
 * and language each is modelled on.
 */
const dir = fileURLToPath(new URL('./email-quotes/', import.meta.url));
const index = JSON.parse(readFileSync(`${dir}cases.json`, 'utf8')) as Record<string, { client: string; language: string }>;

interface Case {
  name: string;
  client: string;
  language: string;
  text: string;
  html?: string;
  expected: string;
}
const corpus: Case[] = Object.entries(index).map(([name, { client, language }]) => {
  const html = existsSync(`${dir}${name}.html`) ? readFileSync(`${dir}${name}.html`, 'utf8') : undefined;
  const text = readFileSync(`${dir}${name}.txt`, 'utf8');
  const expected = readFileSync(`${dir}${name}.expected.txt`, 'utf8').trim();
  return { name, client, language, text, expected, ...(html === undefined ? {} : { html }) };
});

describe('the quoted-reply corpus', () => {
  it.each(corpus)('given $client\'s reply in $language ($name), when stripped, then only the customer\'s words remain', (c) => {
    expect(stripQuotedReply(c.text, c.html)).toBe(c.expected);
  });

  it('given the whole corpus, when ours and email-reply-parser alone strip each case, then ours is right at least as often', () => {
    const right = (strip: (c: Case) => string) => corpus.filter((c) => strip(c) === c.expected).map((c) => c.name);
    const ours = right((c) => stripQuotedReply(c.text, c.html));
    const library = right((c) => new EmailReplyParser().parseReply(c.text).trim());
    const missed = corpus.map((c) => c.name).filter((n) => !library.includes(n));
    console.log(`email quotes: ours ${ours.length}/${corpus.length}, email-reply-parser ${library.length}/${corpus.length} (misses: ${missed.join(', ')})`);
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(ours.length).toBeGreaterThanOrEqual(library.length);
  });
});

describe('the HTML part and the parser are second opinions on the tail only', () => {
  const text = 'Thanks, it works.\n\nDne 01.01.2024 v 10:00 Acme Support napsal(a):\nRestartujte router.';

  it('given HTML whose quote markup follows a line the plain text also has, when stripped, then the text is cut after that line', () => {
    const html = '<p>Thanks, it works.</p><div class="moz-cite-prefix">Dne 01.01.2024 …</div><blockquote type="cite">Restartujte router.</blockquote>';
    expect(stripQuotedReply(text, html)).toBe('Thanks, it works.');
  });

  it('given HTML whose lines before the quote are not in the plain text, when stripped, then the plain text is kept whole', () => {
    const html = '<p>Something else entirely.</p><blockquote type="cite">Restartujte router.</blockquote>';
    expect(stripQuotedReply(text, html)).toBe(text);
  });

  it('given a bottom-posted reply whose HTML opens with the quote, when stripped, then the plain-text rules keep the reply below it', () => {
    const bottom = 'On Mon, Jan 1, 2024 at 10:00 AM Acme <support@acme.test> wrote:\n> Which model?\n\nThe X200.';
    const html = '<blockquote type="cite">Which model?</blockquote><p>The X200.</p>';
    expect(stripQuotedReply(bottom, html)).toBe('The X200.');
  });

  it('given a bottom-posted quote with no reply under it, when stripped, then the full text is kept', () => {
    const onlyQuote = 'On Mon, Jan 1, 2024 at 10:00 AM Acme <support@acme.test> wrote:\n> Which model?';
    expect(stripQuotedReply(onlyQuote)).toBe(onlyQuote);
  });

  it('given an attribution in a language we do not list (Polish), when stripped, then the parser\'s pattern removes it', () => {
    const polish = 'Dziękuję, działa.\n\nW dniu pon., 1 sty 2024 o 10:00 Acme Support <support@acme.test> napisał(a):\n\n> Proszę zrestartować router.';
    expect(stripQuotedReply(polish)).toBe('Dziękuję, działa.');
  });
});
