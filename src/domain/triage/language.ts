/**
 * A small language detector for routing to agents who speak the customer's language: first the
 * script (Han is Chinese, Cyrillic is Russian, Latin is English unless the words say otherwise),
 * then common words to tell apart languages sharing a script. It is meant for support messages of a
 * sentence or two, where statistical detectors are unreliable anyway; a language the provider or
 * the customer declared always wins over it.
 *
 * Extend it by adding a profile: a tag, its script and a few dozen of its most common words.
 */
import { normaliseText } from './keywords.ts';

/** Scripts the detector can tell apart. `spaced` scripts count words; the others count characters. */
const SCRIPTS = {
  Latin: { pattern: /\p{Script=Latin}/u, spaced: true },
  Cyrillic: { pattern: /\p{Script=Cyrillic}/u, spaced: true },
  Greek: { pattern: /\p{Script=Greek}/u, spaced: true },
  Arabic: { pattern: /\p{Script=Arabic}/u, spaced: true },
  Hebrew: { pattern: /\p{Script=Hebrew}/u, spaced: true },
  Hangul: { pattern: /\p{Script=Hangul}/u, spaced: true },
  Devanagari: { pattern: /\p{Script=Devanagari}/u, spaced: true },
  Han: { pattern: /\p{Script=Han}/u, spaced: false },
  /** Hiragana and Katakana: Japanese. */
  Kana: { pattern: /[\p{Script=Hiragana}\p{Script=Katakana}]/u, spaced: false },
  Thai: { pattern: /\p{Script=Thai}/u, spaced: false },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** Roughly two characters make a word in Chinese and Japanese; this keeps mixed text fair. */
const UNSPACED_CHARS_PER_WORD = 2;

export interface LanguageProfile {
  /** The BCP 47 tag returned for it. */
  tag: string;
  script: ScriptName;
  /**
   * Its most common words; each occurrence in the text scores one. For scripts written without
   * spaces these are matched as substrings. Among profiles of the same script the highest score
   * wins, ties going to the one listed first (so list the default first).
   */
  stopwords?: readonly string[];
  /** Letters of the script only this language uses (Ukrainian і ї є ґ); each occurrence scores one. */
  letters?: string;
}

export const defaultLanguageProfiles: readonly LanguageProfile[] = [
  {
    tag: 'en',
    script: 'Latin',
    stopwords: ['the', 'and', 'is', 'are', 'to', 'my', 'i', "i'm", 'you', 'it', 'of', 'in', 'for', 'not', 'have', 'was', 'with', 'on', 'this', 'that', 'please', 'can', 'do', 'what', 'how', 'hi', 'hello', 'thanks', 'order'],
  },
  {
    tag: 'es',
    script: 'Latin',
    stopwords: ['el', 'la', 'los', 'las', 'de', 'que', 'y', 'en', 'un', 'una', 'es', 'mi', 'por', 'para', 'con', 'pero', 'muy', 'gracias', 'hola', 'está', 'pedido', 'quiero'],
  },
  {
    tag: 'de',
    script: 'Latin',
    stopwords: ['der', 'die', 'das', 'und', 'ist', 'ich', 'nicht', 'mein', 'meine', 'ein', 'eine', 'sie', 'mit', 'für', 'bitte', 'danke', 'hallo', 'zu', 'es', 'auf', 'bestellung'],
  },
  {
    tag: 'fr',
    script: 'Latin',
    stopwords: ['le', 'la', 'les', 'de', 'des', 'et', 'est', 'je', 'vous', 'mon', 'ma', 'pas', 'une', 'un', 'pour', 'avec', 'merci', 'bonjour', 'que', 'ne', 'commande'],
  },
  {
    tag: 'ru',
    script: 'Cyrillic',
    stopwords: ['и', 'в', 'не', 'на', 'что', 'я', 'с', 'как', 'мой', 'моя', 'мне', 'меня', 'это', 'по', 'но', 'вы', 'здравствуйте', 'спасибо', 'пожалуйста', 'заказ'],
  },
  {
    tag: 'uk',
    script: 'Cyrillic',
    stopwords: ['і', 'й', 'що', 'це', 'мені', 'мій', 'моє', 'ви', 'як', 'але', 'дякую', 'будь', 'ласка', 'вітаю', 'замовлення'],
    letters: 'іїєґ',
  },
  { tag: 'zh', script: 'Han' },
  { tag: 'ja', script: 'Kana' },
  { tag: 'ko', script: 'Hangul' },
  { tag: 'ar', script: 'Arabic' },
  { tag: 'el', script: 'Greek' },
  { tag: 'he', script: 'Hebrew' },
  { tag: 'hi', script: 'Devanagari' },
  { tag: 'th', script: 'Thai' },
];

/** The canonical form of a BCP 47 tag (`pt-br` -> `pt-BR`), or null when it is not one. */
export function canonicalLanguageTag(tag: string | null | undefined): string | null {
  if (tag === null || tag === undefined || tag.trim() === '') return null;
  try {
    return Intl.getCanonicalLocales(tag.trim())[0] ?? null;
  } catch {
    // RangeError: not a well-formed tag.
    return null;
  }
}

/**
 * The language of `text` as a BCP 47 tag: the declared language when there is a well-formed one,
 * else detected; null when the text has no letters, or its main script has no profile.
 */
export function detectLanguage(
  text: string,
  options: { declared?: string | null | undefined; profiles?: readonly LanguageProfile[] } = {},
): string | null {
  const declared = canonicalLanguageTag(options.declared);
  if (declared !== null) return declared;
  const profiles = options.profiles ?? defaultLanguageProfiles;

  const normal = normaliseText(text);
  const units = scriptUnits(normal);
  let dominant: ScriptName | null = null;
  for (const [script, count] of units) if (dominant === null || count > (units.get(dominant) ?? 0)) dominant = script;
  if (dominant === null) return null;

  const candidates = profiles.filter((p) => p.script === dominant);
  const words = SCRIPTS[dominant].spaced ? (normal.match(/[\p{L}\p{M}']+/gu) ?? []) : [];
  let best: LanguageProfile | null = null;
  let bestScore = -1;
  for (const profile of candidates) {
    const score = profileScore(profile, normal, words);
    if (score > bestScore) {
      best = profile;
      bestScore = score;
    }
  }
  return best?.tag ?? null;
}

/** How much of the text each script holds, in words; scripts in order of first appearance. */
function scriptUnits(normal: string): Map<ScriptName, number> {
  const units = new Map<ScriptName, number>();
  const add = (script: ScriptName, n: number) => units.set(script, (units.get(script) ?? 0) + n);
  let previous: ScriptName | null = null;
  for (const ch of normal) {
    const script = scriptOf(ch);
    if (script !== null && script !== previous) {
      // A new word starts where the script changes (after a space or inside "订单order").
      if (SCRIPTS[script].spaced) add(script, 1);
    }
    if (script !== null && !SCRIPTS[script].spaced) add(script, 1 / UNSPACED_CHARS_PER_WORD);
    previous = script;
  }
  // Japanese writes Han and Kana together: with any Kana, the Han characters are Japanese too.
  const han = units.get('Han');
  if (han !== undefined && units.has('Kana')) {
    add('Kana', han);
    units.delete('Han');
  }
  return units;
}

/** The script of a letter; null for anything else (space, digit, punctuation, emoji). */
function scriptOf(ch: string): ScriptName | null {
  if (!/[\p{L}\p{M}]/u.test(ch)) return null;
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) if (SCRIPTS[name].pattern.test(ch)) return name;
  return null;
}

function profileScore(profile: LanguageProfile, normal: string, words: readonly string[]): number {
  let score = 0;
  if (profile.stopwords && profile.stopwords.length > 0) {
    if (SCRIPTS[profile.script].spaced) {
      const stop = new Set(profile.stopwords.map(normaliseText));
      for (const w of words) if (stop.has(w)) score++;
    } else {
      for (const s of profile.stopwords) score += normal.split(normaliseText(s)).length - 1;
    }
  }
  if (profile.letters) for (const ch of normal) if (profile.letters.includes(ch)) score++;
  return score;
}
