/**
 * Keyword matching for triage rules, the same for every language so a tenant adds one by listing
 * words, not by writing code.
 *
 * - Text and keywords are normalised alike: NFKC (full-width Latin and digits become ASCII), lower
 *   case, `ё` read as `е` (Russian writes both), typographic apostrophes read as `'`.
 * - A keyword with a character of a script written without spaces (Han, Hiragana, Katakana, Thai)
 *   matches as a substring: `退款` is found in `我要退款`.
 * - Any other keyword matches whole words only, so `bill` is not found in `billion`. A word ending
 *   in `*` is a stem and matches any ending, which is how inflected languages are covered without a
 *   morphology library: `верни*` finds `верни` and `верните`; `деньг*` finds `деньги`,
 *   `деньгами`. Words of a phrase are separated by any run of white space (`не работа*` finds
 *   `не   работает`).
 */

export interface KeywordMatcher {
  /** The keyword as configured (with its `*`), used in reasons. */
  keyword: string;
  test(normalisedText: string): boolean;
}

const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;
const WORD_CHAR = String.raw`[\p{L}\p{M}\p{N}]`;

/** The form both text and keywords are compared in. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/ё/g, 'е').replace(/[\u2018\u2019\u02bc`]/g, "'");
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

export function keywordMatcher(keyword: string): KeywordMatcher {
  const normal = normaliseText(keyword.trim());
  if (UNSPACED_SCRIPT.test(normal)) {
    const needle = normal.replace(/\*/g, '').replace(/\s+/g, '');
    return { keyword, test: (text) => needle.length > 0 && text.includes(needle) };
  }
  const words = normal.split(/\s+/).filter((w) => w.length > 0);
  const last = words[words.length - 1] ?? '';
  const body = words
    .map((w) => (w.endsWith('*') ? `${escapeRegExp(w.replace(/\*+$/, ''))}${WORD_CHAR}*` : escapeRegExp(w)))
    .join(String.raw`\s+`);
  // A stem needs no right boundary: the `*` already ate the rest of the word.
  const pattern = new RegExp(`(?<!${WORD_CHAR})${body}${last.endsWith('*') ? '' : `(?!${WORD_CHAR})`}`, 'u');
  return { keyword, test: (text) => words.length > 0 && pattern.test(text) };
}

/** Matchers for a keyword list, each keyword once (after normalisation), in configured order. */
export function keywordMatchers(keywords: readonly string[]): KeywordMatcher[] {
  const seen = new Set<string>();
  const out: KeywordMatcher[] = [];
  for (const k of keywords) {
    const key = normaliseText(k.trim());
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(keywordMatcher(k));
  }
  return out;
}
