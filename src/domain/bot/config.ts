/**
 * A tenant's knowledge base and bot settings (YAML in, validated by zod at start-up).
 *
 *   knowledgeBase:
 *     - { id: kb-en-password-reset, language: en, title: How do I reset my password?, body: ..., keywords: [forgot password] }
 *   bot: { enabled: true, channels: [chat, social, sms], minScore: 0.4 }
 *
 * Keywords and hand-off phrases use the triage keyword syntax (see ../triage/keywords.ts): Han,
 * Kana and Thai match as substrings, other scripts as whole words, and a trailing `*` makes a stem
 * (`парол*` finds пароль, пароля, паролем).
 */
import { z } from 'zod';
import { channelSchema } from '../../../events/types/message.ts';
import { keywordSchema } from '../triage/config.ts';

/** Articles and hand-off texts are chosen by language: a BCP 47 tag, usually just the language (en, ru, zh, pt-BR). */
const LANGUAGE_TAG = /^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;
export const languageTagSchema = z.string().regex(LANGUAGE_TAG, 'must be a BCP 47 language tag such as en, ru or zh');

/**
 * A record keyed by language. Keys are checked here rather than by a key schema, whose failure zod
 * reports only as "Invalid key in record"; this names the key and what is wrong with it.
 */
function byLanguage<T extends z.ZodType>(value: T) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      if (!LANGUAGE_TAG.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is not a BCP 47 language tag such as en, ru or zh` });
    }
  });
}

export const knowledgeArticleSchema = z.strictObject({
  /** Named in the bot's hand-off context and in audits, so kept printable and short. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be an article id such as kb-en-password-reset (letters, digits, `_`, `.`, `-`)'),
  /** The language the article is written in; the bot prefers articles in the customer's language. */
  language: languageTagSchema,
  title: z.string().trim().min(1, 'an article needs a title').max(200),
  /** Plain text: the bot sends it as a message, on SMS too. */
  body: z.string().trim().min(1, 'an article needs a body').max(4000),
  /** Extra match terms beyond the title, in any language (customers mix them): `forgot password`, `парол*`, `忘记密码`. */
  keywords: z.array(keywordSchema).max(100).default([]),
  /** Contact reason the article answers, for reporting (usually a triage category). */
  category: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a lowercase slug such as refund or billing').optional(),
});

export const knowledgeBaseSchema = z.array(knowledgeArticleSchema).superRefine((articles, ctx) => {
  const ids = articles.map((a) => a.id);
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `article id ${id} is listed twice` });
  });
});

/**
 * What makes the bot step aside, per language; every list is matched whatever language the text is
 * in. Whole words, so `agent` is not found in `agentur`; plurals are listed because `agent*` would be.
 */
export const defaultHandoffPhrases = {
  en: ['agent', 'agents', 'human', 'humans', 'person', 'real person', 'representative', 'representatives', 'operator', 'talk to someone', 'speak to someone'],
  ru: ['оператор*', 'человек*', 'живой человек', 'специалист*', 'менеджер*'],
  zh: ['人工', '客服', '真人'],
  de: ['mitarbeiter', 'mitarbeiterin', 'mensch', 'echte person', 'berater'],
  es: ['agente', 'humano', 'persona real', 'operador', 'hablar con alguien'],
  fr: ['conseiller', 'conseillère', 'humain', 'vraie personne', 'opérateur', "parler à quelqu'un"],
} satisfies Record<string, string[]>;

/** What the bot says when it passes a conversation it had answered to a person. */
export const defaultHandoffMessages = {
  en: "Thanks for your message. I'm passing you to a member of our team, who will reply here shortly.",
  ru: 'Спасибо! Передаю ваш вопрос специалисту, он ответит здесь в ближайшее время.',
  zh: '感谢您的留言，正在为您转接人工客服，我们会尽快在这里回复您。',
} satisfies Record<string, string>;

export const botSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /**
   * Channels the bot answers on. Not e-mail by default: an e-mail customer expects a considered
   * answer from a person, and a canned one in their inbox reads as a brush-off.
   */
  channels: z.array(channelSchema).default(['chat', 'social', 'sms']),
  /**
   * The lowest match score (0–1, see match.ts) the bot answers with. The default lets one
   * configured keyword, or most of an article's title, carry an answer, and never the body alone.
   */
  minScore: z.number().min(0, 'minScore must be between 0 and 1').max(1, 'minScore must be between 0 and 1').default(0.4),
  /** A tenant's list replaces the defaults (add the defaults you want to keep). */
  handoffPhrases: byLanguage(z.array(keywordSchema).max(500)).default(defaultHandoffPhrases),
  handoffMessage: byLanguage(z.string().trim().min(1, 'a hand-off message cannot be empty').max(1000)).default(defaultHandoffMessages),
});

export type KnowledgeArticleInput = z.input<typeof knowledgeArticleSchema>;
export type KnowledgeArticle = z.output<typeof knowledgeArticleSchema>;
export type KnowledgeBase = z.output<typeof knowledgeBaseSchema>;
export type BotSettingsInput = z.input<typeof botSettingsSchema>;
export type BotSettings = z.output<typeof botSettingsSchema>;

export const defaultBotSettings: BotSettings = botSettingsSchema.parse({});
