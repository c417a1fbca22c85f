export { answerText } from './answer.ts';
export {
  botSettingsSchema,
  defaultBotSettings,
  defaultHandoffMessages,
  defaultHandoffPhrases,
  knowledgeArticleSchema,
  knowledgeBaseSchema,
  languageTagSchema,
  type BotSettings,
  type BotSettingsInput,
  type KnowledgeArticle,
  type KnowledgeArticleInput,
  type KnowledgeBase,
} from './config.ts';
export { handoffContext, type HandoffReason } from './context.ts';
export { decideBotTurn, type BotTurn, type BotTurnInput } from './decide.ts';
export { exampleKnowledgeBase, exampleKnowledgeBaseInput } from './examples.ts';
export { asksForHuman, findHandoffPhrase, type HandoffPhraseFound } from './handoff.ts';
export { matchArticle, type ArticleMatch } from './match.ts';
