/**
 * Choosing by language. Tags are compared by their primary language (`zh-CN` reads `zh`
 * articles), since a knowledge base is rarely written per region.
 */

/** The primary language subtag, lower case: `pt-BR` -> `pt`. */
export const primaryLanguage = (tag: string): string => (tag.split('-')[0] ?? tag).toLowerCase();

export const sameLanguage = (a: string, b: string): boolean => primaryLanguage(a) === primaryLanguage(b);

/**
 * The text for `language` from a per-language record: the exact tag, else the same primary
 * language, else English, else the first listed; null when the record is empty.
 */
export function textForLanguage(texts: Readonly<Record<string, string>>, language: string | null): string | null {
  const entries = Object.entries(texts);
  const pick =
    (language !== null ? (entries.find(([tag]) => tag === language) ?? entries.find(([tag]) => sameLanguage(tag, language))) : undefined) ??
    entries.find(([tag]) => primaryLanguage(tag) === 'en') ??
    entries[0];
  return pick?.[1] ?? null;
}
