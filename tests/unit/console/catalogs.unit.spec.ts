/**
 * The console's catalogs (console/src/locales): Russian and Chinese follow English key for key,
 * with the plural forms each language needs, every value English interpolates, and real
 * translations (a string left in English is a missed one, save for a short list of names).
 */
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { en } from '../../../console/src/locales/en.ts';
import { ru } from '../../../console/src/locales/ru.ts';
import { zh } from '../../../console/src/locales/zh.ts';

type Tree = { readonly [key: string]: string | Tree };

/** i18next's plural suffixes: the CLDR categories Intl.PluralRules names. */
const PLURAL = /^(.*)_(zero|one|two|few|many|other)$/;

/** Names and abbreviations every language writes as English does; nothing else may be left untranslated. */
const SAME_IN_EVERY_LANGUAGE = new Set(['CSAT', 'NPS', 'SMS', 'Instagram', 'WhatsApp', 'Messenger']);

const TRANSLATIONS: Record<string, Tree> = { ru, zh };

/** Every string of a catalog by its dotted path (`inbox.count_one`); a leaf that is not a string fails. */
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else if (value !== null && typeof value === 'object') for (const [p, v] of flatten(value, path)) out.set(p, v);
    else throw new Error(`${path} is neither a string nor a group of keys`);
  }
  return out;
}

/** The plural forms a language needs, as i18next picks them (Intl.PluralRules). */
const categories = (language: string): string[] => [...new Intl.PluralRules(language).resolvedOptions().pluralCategories].sort();

/**
 * English with plural keys normalised: `x_one`/`x_other` make one plural entry `x` with its forms by
 * category; any other key is an entry of one form ('').
 */
function normalised(catalog: Tree): Map<string, Map<string, string>> {
  const flat = flatten(catalog);
  const entries = new Map<string, Map<string, string>>();
  for (const [path, text] of flat) {
    const plural = PLURAL.exec(path);
    const [base, form] = plural ? [plural[1]!, plural[2]!] : [path, ''];
    const entry = entries.get(base) ?? new Map<string, string>();
    entry.set(form, text);
    entries.set(base, entry);
  }
  return entries;
}

const english = normalised(en);
const isPlural = (entry: Map<string, string>) => !entry.has('');

/** The keys a language's catalog must have, exactly: English's, with the language's plural forms. */
function expectedKeys(language: string): string[] {
  return [...english].flatMap(([base, entry]) => (isPlural(entry) ? categories(language).map((c) => `${base}_${c}`) : [base]));
}

/** For a key of a translation: the English entry it translates, and the form of it to compare with. */
function source(key: string): { forms: Map<string, string>; text: string } {
  const direct = english.get(key);
  if (direct && !isPlural(direct)) return { forms: direct, text: direct.get('')! };
  const [, base, form] = PLURAL.exec(key) ?? [];
  const forms = english.get(base ?? '');
  if (!forms || !form) throw new Error(`${key} translates no English key`);
  return { forms, text: forms.get(form) ?? forms.get('other')! };
}

const placeholders = (text: string): Set<string> => new Set([...text.matchAll(/\{\{\s*([^}]+?)\s*\}\}/g)].map((m) => m[1]!));

/** Only placeholders, digits and symbols: nothing in it to translate. */
const nothingToTranslate = (text: string) => !/\p{L}/u.test(text.replace(/\{\{[^}]*\}\}/g, ''));

describe('the console catalogs', () => {
  it('English itself: every plural key has the forms English needs (one, other), and nothing but strings', () => {
    expect(categories('en')).toEqual(['one', 'other']);
    const wrong = [...english].filter(([, entry]) => isPlural(entry) && [...entry.keys()].sort().join() !== 'one,other').map(([base]) => base);
    expect(wrong).toEqual([]);
    expect([...english.keys()].length).toBeGreaterThan(100);
  });

  it('the plural forms i18next will ask for: Russian one, few, many, other; Chinese other', () => {
    expect(categories('ru')).toEqual(['few', 'many', 'one', 'other']);
    expect(categories('zh')).toEqual(['other']);
  });

  for (const [language, catalog] of Object.entries(TRANSLATIONS)) {
    describe(language, () => {
      const flat = flatten(catalog);
      /** The keys that translate an English one (the others are reported as extra, below). */
      const known = new Set(expectedKeys(language));
      const translated = [...flat].filter(([key]) => known.has(key));

      it("has every English key, with this language's plural forms", () => {
        const missing = expectedKeys(language).filter((key) => !flat.has(key));
        expect(missing).toEqual([]);
      });

      it('has no key English lacks (nor plural forms this language does not use)', () => {
        const extra = [...flat.keys()].filter((key) => !known.has(key));
        expect(extra).toEqual([]);
      });

      it('keeps every {{placeholder}} of the English string, and adds none English does not pass', () => {
        const wrong: string[] = [];
        for (const [key, text] of translated) {
          const { forms } = source(key);
          const wanted = new Set([...forms.values()].flatMap((t) => [...placeholders(t)]));
          const got = placeholders(text);
          for (const name of wanted) if (!got.has(name)) wrong.push(`${key}: lacks {{${name}}}`);
          for (const name of got) if (!wanted.has(name)) wrong.push(`${key}: has {{${name}}}, which English does not pass`);
        }
        expect(wrong).toEqual([]);
      });

      it('translates every string (except names, abbreviations and strings of placeholders and symbols)', () => {
        const untranslated = translated
          .filter(([key, text]) => text === source(key).text && !SAME_IN_EVERY_LANGUAGE.has(text) && !nothingToTranslate(text))
          .map(([key, text]) => `${key}: ${text}`);
        expect(untranslated).toEqual([]);
      });

      it('has no empty string and no stray spaces at either end', () => {
        const wrong = [...flat].filter(([, text]) => text.trim() === '' || text !== text.trim()).map(([key]) => key);
        expect(wrong).toEqual([]);
      });
    });
  }

  it('i18next picks the Russian and Chinese plural forms from these keys', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({
      resources: { en: { translation: en }, ru: { translation: ru }, zh: { translation: zh } },
      lng: 'en',
      fallbackLng: 'en',
      interpolation: { escapeValue: false },
    });
    const inRussian = i18n.getFixedT('ru');
    expect([1, 2, 5, 11, 21, 22, 25, 1.5].map((count) => inRussian('inbox.count', { count }))).toEqual([
      '1 обращение',
      '2 обращения',
      '5 обращений',
      '11 обращений',
      '21 обращение',
      '22 обращения',
      '25 обращений',
      '1.5 обращения',
    ]);
    expect(i18n.getFixedT('zh')('inbox.count', { count: 1 })).toBe('1 个会话');
    expect(i18n.getFixedT('en')('inbox.count', { count: 1 })).toBe('1 conversation');
  });
});
