import { describe, expect, it } from 'vitest';
import { exampleKnowledgeBase } from '../../../../src/domain/bot/examples.ts';
import { article, givenArticles } from './given.ts';

describe('given the example knowledge base, when a customer asks in their own words', () => {
  const kb = givenArticles(exampleKnowledgeBase);

  it('in English, then the password article answers "I forgot my password and can\'t get into my account"', () => {
    kb.when("I forgot my password and now I can't get into my account", 'en').then((m) => {
      expect(m?.article.id).toBe('kb-en-password-reset');
      expect(m?.score).toBeGreaterThanOrEqual(0.4);
      expect(m?.score).toBeLessThanOrEqual(1);
    });
  });

  it('in English, then a late parcel gets the tracking article and an invoice request the billing one', () => {
    kb.when("My order still hasn't arrived, can you check where it is?", 'en').then((m) => expect(m?.article.id).toBe('kb-en-order-tracking'));
    kb.when('I need a copy of the invoice for my last purchase', 'en').then((m) => expect(m?.article.id).toBe('kb-en-invoice'));
  });

  it('in Russian, with inflected words, then the Russian password article answers', () => {
    kb.when('Не могу зайти в аккаунт, забыл пароль', 'ru').then((m) => expect(m?.article.id).toBe('kb-ru-password-reset'));
    // The stem keyword `восстанов* доступ*` covers "восстановить доступ" without listing each form.
    kb.when('Как восстановить доступ к аккаунту?', 'ru').then((m) => expect(m?.article.id).toBe('kb-ru-password-reset'));
  });

  it('in Russian, when no keyword fits, then the title read up to word endings still finds the article (восстановлению пароля ~ восстановить пароль)', () => {
    const title = article({ id: 'ru-title', language: 'ru', title: 'Как восстановить пароль', body: 'Нажмите «Забыли пароль?».' });
    givenArticles([title]).when('Помогите с восстановлением пароля', 'ru').then((m) => expect(m?.article.id).toBe('ru-title'));
  });

  it('in Russian, then "I want to return the item and get the money back" gets the Russian refund article', () => {
    kb.when('Хочу вернуть товар и получить деньги обратно', 'ru').then((m) => expect(m?.article.id).toBe('kb-ru-refund'));
  });

  it('in Chinese, written without spaces, then the Chinese articles answer (password; when does my parcel arrive)', () => {
    kb.when('我忘记密码了，登录不了', 'zh').then((m) => expect(m?.article.id).toBe('kb-zh-password-reset'));
    kb.when('我的快递什么时候到？', 'zh').then((m) => expect(m?.article.id).toBe('kb-zh-order-tracking'));
  });

  it('without a declared language, then it is detected from the text', () => {
    kb.when('забыл пароль', null).then((m) => expect(m?.article.id).toBe('kb-ru-password-reset'));
    kb.when('忘记密码', null).then((m) => expect(m?.article.id).toBe('kb-zh-password-reset'));
  });

  it('then small talk and questions the knowledge base does not cover match nothing', () => {
    kb.when('Hello there', 'en').then((m) => expect(m).toBeNull());
    kb.when('Where can I find your store opening hours?', 'en').then((m) => expect(m).toBeNull());
  });
});

describe('given articles in several languages', () => {
  const enReset = article({ id: 'en-reset', language: 'en', title: 'Reset your password', keywords: ['password', 'пароль'] });
  const ruReset = article({ id: 'ru-reset', language: 'ru', title: 'Сброс пароля', keywords: ['парол*'] });

  it('when a Russian customer asks and both languages would match, then the Russian article wins even if the English one scores higher', () => {
    givenArticles([enReset, ruReset]).when('пароль password reset', 'ru').then((m) => expect(m?.article.id).toBe('ru-reset'));
  });

  it('when the customer\'s language is a regional tag (ru-RU), then articles in that language still count as theirs', () => {
    givenArticles([enReset, ruReset]).when('пароль password reset', 'ru-RU').then((m) => expect(m?.article.id).toBe('ru-reset'));
  });

  it('when no article in the customer\'s language matches, then one in another language answers', () => {
    givenArticles([enReset, article({ id: 'ru-refund', language: 'ru', title: 'Возврат денег', keywords: ['возврат*'] })])
      .when('забыл пароль', 'ru')
      .then((m) => expect(m?.article.id).toBe('en-reset'));
  });

  it('when the knowledge base has nothing in the customer\'s language (Chinese), then an English article whose keywords include Chinese answers', () => {
    const refund = article({ id: 'en-refund', title: 'Refund policy', keywords: ['refund*', '退款'] });
    givenArticles([refund]).when('我要退款', 'zh').then((m) => expect(m?.article.id).toBe('en-refund'));
  });
});

describe('given the minimum score', () => {
  // One of the title's two content words (reset, password): 0.6 × ½ = 0.3.
  const reset = article({ id: 'reset', title: 'Reset password', body: 'Use the link on the sign-in page.' });

  it('when the score is below it, then nothing matches; when at or above, the article does', () => {
    givenArticles([reset], { minScore: 0.4 }).when('my password', 'en').then((m) => expect(m).toBeNull());
    givenArticles([reset], { minScore: 0.3 }).when('my password', 'en').then((m) => expect(m).toEqual({ article: reset, score: 0.3 }));
  });

  it('when it is 0, then an article that shares nothing with the text still does not match', () => {
    givenArticles([reset], { minScore: 0 }).when('hello there', 'en').then((m) => expect(m).toBeNull());
  });

  it('when a configured keyword is found, then it alone reaches the default (0.5), and a second adds half of the rest (0.75)', () => {
    const kw = article({ id: 'kw', title: 'Something else entirely', body: 'Nothing in common.', keywords: ['refund*', 'money back'] });
    givenArticles([kw]).when('refund', 'en').then((m) => expect(m?.score).toBe(0.5));
    givenArticles([kw]).when('refunds, I want my money back', 'en').then((m) => expect(m?.score).toBe(0.75));
  });

  it('when only the body shares words with the text, then it never reaches the default', () => {
    const bodyOnly = article({ id: 'body', title: 'Shipping', body: 'Parcels travel with the carrier for three working days before delivery.' });
    givenArticles([bodyOnly], { minScore: 0 }).when('parcels carrier delivery', 'en').then((m) => expect(m?.score).toBe(0.25));
    givenArticles([bodyOnly]).when('parcels carrier delivery', 'en').then((m) => expect(m).toBeNull());
  });
});

describe('given two articles that match equally', () => {
  const b = article({ id: 'kb-b', title: 'Reset password' });
  const a = article({ id: 'kb-a', title: 'Reset password' });

  it('when matched in either order, then the smaller id wins', () => {
    givenArticles([b, a]).when('reset password', 'en').then((m) => expect(m?.article.id).toBe('kb-a'));
    givenArticles([a, b]).when('reset password', 'en').then((m) => expect(m?.article.id).toBe('kb-a'));
  });
});

describe('given text that differs from the article only in form', () => {
  const crash = article({ id: 'crash', title: 'Application crashes', keywords: ['réinstaller'] });

  it('when case, accents or full-width letters differ, then it still matches', () => {
    givenArticles([crash]).when('APPLICATION CRASHES', 'en').then((m) => expect(m?.article.id).toBe('crash'));
    givenArticles([crash]).when('Ｃｒａｓｈｅｓ ａｐｐｌｉｃａｔｉｏｎ', 'en').then((m) => expect(m?.article.id).toBe('crash'));
    givenArticles([crash], { minScore: 0.5 }).when('faut-il reinstaller ?', 'fr').then((m) => expect(m?.article.id).toBe('crash'));
  });
});
