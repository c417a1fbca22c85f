/**
 * The console's languages: English, Russian and Chinese, chosen per person (their account's
 * `language`), with times shown in the person's time zone (`timeZone`). i18next does the lookups
 * and plural forms (Russian has three: one, few, many); the catalogs in `locales/` are ours.
 * Before sign-in (no person yet) the browser's preferred language is used.
 */
import i18next from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import { en } from './locales/en.ts';
import { ru } from './locales/ru.ts';
import { zh } from './locales/zh.ts';

export const LANGUAGES = ['en', 'ru', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language's own name, as its speakers look for it in a picker. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ru: 'Русский', zh: '中文' };

export const isLanguage = (value: unknown): value is Language => typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

/** The browser's first preference among ours, for the sign-in page. */
function browserLanguage(): Language {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, ru: { translation: ru }, zh: { translation: zh } },
  lng: browserLanguage(),
  fallbackLng: 'en',
  // React escapes what it renders; escaping here too would show &amp; in names.
  interpolation: { escapeValue: false },
  returnNull: false,
});

let zone: string | undefined;

/** The signed-in person's language and time zone: every page and time on screen follows them. */
export function applyPersonLocale(language: string | undefined, timeZone: string | undefined): void {
  zone = timeZone || undefined;
  const want = isLanguage(language) ? language : browserLanguage();
  if (i18next.language !== want) void i18next.changeLanguage(want);
  document.documentElement.lang = want === 'zh' ? 'zh-CN' : want;
}

/** The person's time zone (undefined: the browser's own, before sign-in). */
export const timeZone = (): string | undefined => zone;

/** The language on screen, as an Intl locale. */
export const locale = (): string => {
  const language = i18next.language || 'en';
  const regional = (navigator.languages ?? [navigator.language]).find((tag) => tag.toLowerCase().split('-')[0] === language);
  return regional ?? (language === 'zh' ? 'zh-CN' : language);
};

export { useTranslation };
export const t = i18next.t.bind(i18next);
