import type { KnowledgeArticle } from './config.ts';

/** The message the bot sends for an article: its title, a blank line, its body. */
export const answerText = (article: KnowledgeArticle): string => `${article.title}\n\n${article.body}`;
