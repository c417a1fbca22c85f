import { describe, expect, it } from 'vitest';
import { botSettingsSchema, defaultBotSettings, knowledgeArticleSchema, knowledgeBaseSchema } from '../../../../src/domain/bot/config.ts';
import { exampleKnowledgeBase, exampleKnowledgeBaseInput } from '../../../../src/domain/bot/examples.ts';

const resetArticle = { id: 'kb-reset', language: 'en', title: 'Reset your password', body: 'Use the link on the sign-in page.' };

describe('bot settings (the tenant configuration)', () => {
  it('the defaults: on, chat, social and SMS but not e-mail, hand-off phrases in six languages, messages in English, Russian and Chinese', () => {
    expect(defaultBotSettings).toMatchObject({ enabled: true, channels: ['chat', 'social', 'sms'], minScore: 0.4 });
    expect(Object.keys(defaultBotSettings.handoffPhrases)).toEqual(['en', 'ru', 'zh', 'de', 'es', 'fr']);
    expect(defaultBotSettings.handoffPhrases.ru).toEqual(expect.arrayContaining(['оператор*', 'человек*', 'живой человек', 'специалист*']));
    expect(defaultBotSettings.handoffPhrases.zh).toEqual(expect.arrayContaining(['人工', '客服', '真人']));
    expect(Object.keys(defaultBotSettings.handoffMessage)).toEqual(['en', 'ru', 'zh']);
  });

  it.each([
    ['a minimum score above 1', { minScore: 1.5 }, 'minScore', 'minScore must be between 0 and 1'],
    ['a channel that does not exist', { channels: ['fax'] }, 'channels.0', undefined],
    ['a hand-off message under a key that is not a language tag', { handoffMessage: { English: 'hi' } }, 'handoffMessage.English', 'English is not a BCP 47 language tag such as en, ru or zh'],
    ['hand-off phrases under a key that is not a language tag', { handoffPhrases: { russian: ['оператор'] } }, 'handoffPhrases.russian', 'russian is not a BCP 47 language tag such as en, ru or zh'],
    ['an empty hand-off message', { handoffMessage: { en: '  ' } }, 'handoffMessage.en', 'a hand-off message cannot be empty'],
    ['a hand-off phrase with `*` inside a word', { handoffPhrases: { en: ['hu*man'] } }, 'handoffPhrases.en.0', undefined],
    ['an unknown key (a typo)', { enable: false }, '', undefined],
  ])('rejects %s, naming the key and the problem', (_what, input, path, message) => {
    const result = botSettingsSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((i) => i.path.join('.') === path);
    expect(issue, JSON.stringify(result.error?.issues)).toBeDefined();
    if (message) expect(issue?.message).toBe(message);
  });
});

describe('knowledge-base articles', () => {
  it('keywords default to none, and the category is optional', () => {
    expect(knowledgeArticleSchema.parse(resetArticle)).toEqual({ ...resetArticle, keywords: [] });
  });

  it('rejects an id listed twice, naming the id and where', () => {
    const result = knowledgeBaseSchema.safeParse([resetArticle, { ...resetArticle, id: 'kb-other' }, { ...resetArticle, title: 'Again' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: [2, 'id'], message: 'article id kb-reset is listed twice' })]);
  });

  it.each([
    ['a language that is not a tag', { language: 'English' }, 'language', 'must be a BCP 47 language tag such as en, ru or zh'],
    ['an empty title', { title: '   ' }, 'title', 'an article needs a title'],
    ['an empty body', { body: '' }, 'body', 'an article needs a body'],
    ['an id with spaces', { id: 'password reset' }, 'id', undefined],
    ['a category that is not a slug', { category: 'Billing Questions' }, 'category', 'must be a lowercase slug such as refund or billing'],
    ['a keyword without letters', { keywords: ['???'] }, 'keywords.0', undefined],
  ])('rejects %s, naming the key and the problem', (_what, change, path, message) => {
    const result = knowledgeArticleSchema.safeParse({ ...resetArticle, ...change });
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((i) => i.path.join('.') === path);
    expect(issue, JSON.stringify(result.error?.issues)).toBeDefined();
    if (message) expect(issue?.message).toBe(message);
  });
});

describe('the example knowledge base', () => {
  it('covers password, refund, tracking, billing and app crashes in English, and at least two topics each in Russian and Chinese', () => {
    expect(exampleKnowledgeBase).toHaveLength(exampleKnowledgeBaseInput.length);
    const byLanguage = (lang: string) => exampleKnowledgeBase.filter((a) => a.language === lang).map((a) => a.id);
    expect(byLanguage('en')).toEqual(['kb-en-password-reset', 'kb-en-refund-policy', 'kb-en-order-tracking', 'kb-en-invoice', 'kb-en-app-crash']);
    expect(byLanguage('ru').length).toBeGreaterThanOrEqual(2);
    expect(byLanguage('zh').length).toBeGreaterThanOrEqual(2);
  });
});
