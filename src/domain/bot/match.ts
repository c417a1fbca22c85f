/**
 * Which knowledge-base article answers what the customer wrote, and how well (0–1).
 *
 * Three kinds of evidence, combined so each can only add (1 - (1 - a)(1 - b)(1 - c)):
 * - configured keywords (triage syntax, any language): each one found is worth half of what is
 *   left, so one keyword gives 0.5 and two 0.75; a tenant's keywords are its most deliberate signal;
 * - the title: the share of its content terms the customer used, up to 0.6;
 * - the body, lightly: the share of the customer's content terms it contains, up to 0.25, so a
 *   long body that happens to share words never carries an answer on its own.
 *
 * Articles in the customer's language are tried first; the others only when none of those reaches
 * the minimum score. Equal scores go to the smaller article id, whatever the order of the list.
 */
import { keywordMatcher, type KeywordMatcher } from '../triage/keywords.ts';
import { detectLanguage } from '../triage/language.ts';
import type { BotSettings, KnowledgeArticle } from './config.ts';
import { sameLanguage } from './language-choice.ts';
import { foldForMatching } from './normalise.ts';
import { termsFound, termsOf } from './terms.ts';

export interface ArticleMatch {
  article: KnowledgeArticle;
  /** 0–1, rounded to three decimals. */
  score: number;
}

const KEYWORD_WEIGHT = 0.5;
const TITLE_WEIGHT = 0.6;
const BODY_WEIGHT = 0.25;

/**
 * The best article for `text`, or null when none reaches `settings.minScore` (or nothing matched
 * at all). `language` is the customer's BCP 47 tag when known; without one it is detected from the text.
 */
export function matchArticle(
  text: string,
  language: string | null,
  articles: readonly KnowledgeArticle[],
  settings: Pick<BotSettings, 'minScore'>,
): ArticleMatch | null {
  const customerLanguage = detectLanguage(text, { declared: language });
  const folded = foldForMatching(text);
  const textTerms = termsOf(folded);
  const best = (candidates: readonly KnowledgeArticle[]) => {
    const scored = candidates
      .map((article) => ({ article, score: scoreArticle(folded, textTerms, compiled(article)) }))
      .filter((m) => m.score > 0 && m.score >= settings.minScore)
      .sort((a, b) => b.score - a.score || compareIds(a.article.id, b.article.id));
    return scored[0] ?? null;
  };
  if (customerLanguage === null) return best(articles);
  const inLanguage = articles.filter((a) => sameLanguage(a.language, customerLanguage));
  return best(inLanguage) ?? best(articles.filter((a) => !sameLanguage(a.language, customerLanguage)));
}

interface CompiledArticle {
  keywords: KeywordMatcher[];
  titleTerms: string[];
  bodyTerms: string[];
}

function scoreArticle(foldedText: string, textTerms: readonly string[], article: CompiledArticle): number {
  const keywordHits = article.keywords.filter((k) => k.test(foldedText)).length;
  const keyword = 1 - (1 - KEYWORD_WEIGHT) ** keywordHits;
  const title = article.titleTerms.length > 0 ? termsFound(article.titleTerms, textTerms) / article.titleTerms.length : 0;
  const body = textTerms.length > 0 ? termsFound(textTerms, article.bodyTerms) / textTerms.length : 0;
  const score = 1 - (1 - keyword) * (1 - TITLE_WEIGHT * title) * (1 - BODY_WEIGHT * body);
  return Math.round(score * 1000) / 1000;
}

// Articles are parsed once and then read-only; preparing their terms once per article object is a
// cache, not state: the same article always prepares the same way.
const cache = new WeakMap<KnowledgeArticle, CompiledArticle>();

function compiled(article: KnowledgeArticle): CompiledArticle {
  let c = cache.get(article);
  if (!c) {
    const keywords = [...new Set(article.keywords.map((k) => foldForMatching(k.trim())))];
    c = {
      keywords: keywords.map((k) => keywordMatcher(k)),
      titleTerms: termsOf(foldForMatching(article.title)),
      bodyTerms: termsOf(foldForMatching(article.body)),
    };
    cache.set(article, c);
  }
  return c;
}

/** Code-unit order, not locale order: the same winner on every machine. */
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
