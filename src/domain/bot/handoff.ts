/**
 * Whether the customer asks for a person. Phrases of every language are tried on every text
 * (customers mix languages, and a Russian speaker may write "operator"), with the triage keyword
 * rules: whole words for spaced scripts (`agent` is not found in `agentur`), substrings for Chinese
 * and Japanese (`人工` is found in `转人工`). Negation ("no need for a human") is not read: asking
 * for a person by mistake costs a queue slot, missing a real request costs a customer.
 */
import { keywordMatcher, type KeywordMatcher } from '../triage/keywords.ts';
import type { BotSettings } from './config.ts';
import { foldForMatching } from './normalise.ts';

export interface HandoffPhraseFound {
  language: string;
  /** The phrase as configured. */
  phrase: string;
}

/** The first configured phrase found in `text`, in configuration order; null when none is. */
export function findHandoffPhrase(text: string, settings: Pick<BotSettings, 'handoffPhrases'>): HandoffPhraseFound | null {
  const folded = foldForMatching(text);
  const hit = compiled(settings.handoffPhrases).find((p) => p.matcher.test(folded));
  return hit ? { language: hit.language, phrase: hit.phrase } : null;
}

export function asksForHuman(text: string, settings: Pick<BotSettings, 'handoffPhrases'>): boolean {
  return findHandoffPhrase(text, settings) !== null;
}

interface CompiledPhrase extends HandoffPhraseFound {
  matcher: KeywordMatcher;
}

// Settings are parsed once and then read-only; compiling their phrases once per phrase record is a
// cache, not state.
const cache = new WeakMap<Record<string, string[]>, CompiledPhrase[]>();

function compiled(phrases: Record<string, string[]>): CompiledPhrase[] {
  let c = cache.get(phrases);
  if (!c) {
    c = Object.entries(phrases).flatMap(([language, list]) => list.map((phrase) => ({ language, phrase, matcher: keywordMatcher(foldForMatching(phrase.trim())) })));
    cache.set(phrases, c);
  }
  return c;
}
