import { describe, expect, it } from 'vitest';
import { defaultTriageSettingsInput, triageSettingsSchema } from '../../../../src/domain/triage/config.ts';
import { given } from './given.ts';

describe('triage: category (contact reason) and team from keywords', () => {
  it('given an English refund e-mail, then the category is refund, for the billing team, in English', () => {
    given()
      .when('Refund for order #1001', 'Hi, the blender arrived and I sent it back last week. When will I get my refund?')
      .then((d) => {
        expect(d).toMatchObject({ category: 'refund', team: 'billing', language: 'en', priority: 'normal' });
        expect(d.reasons).toEqual(['keyword:refund:en:refund*']);
      });
  });

  it('given a Russian "the app does not work, give the money back", then refund wins over technical (two refund words against one), and the technical symptom stays in the reasons', () => {
    // Deliberate: the customer asks for money, which only the refund team can give; the symptom is
    // kept in the reasons so the agent sees it.
    given()
      .when('Приложение не работает, верните деньги')
      .then((d) => {
        expect(d).toMatchObject({ category: 'refund', team: 'billing', language: 'ru' });
        expect(d.reasons).toEqual(['keyword:refund:ru:верни*', 'keyword:refund:ru:деньг*', 'keyword:technical:ru:не работа*']);
      });
  });

  it('given a Russian technical report with inflected words, then stems find them (не работает, ошибку) and it goes to tech support', () => {
    given()
      .when('Здравствуйте! После обновления приложение не работает, при входе пишет ошибку')
      .then((d) => {
        expect(d).toMatchObject({ category: 'technical', team: 'tech-support', language: 'ru' });
        expect(d.reasons).toEqual(['keyword:technical:ru:не работа*', 'keyword:technical:ru:ошибк*']);
      });
  });

  it('given "ё" written as "е" or not, then both spellings match the same keyword', () => {
    given().when('Верните мой платёж').then((d) => expect(d.reasons).toContain('keyword:billing:ru:платеж*'));
    given().when('Верните мой платеж').then((d) => expect(d.reasons).toContain('keyword:billing:ru:платеж*'));
  });

  it('given a Chinese billing question (no spaces between words), then the keyword is found inside the sentence and billing beats the half-weight "问题" (problem)', () => {
    given()
      .when('我的账单有问题')
      .then((d) => {
        expect(d).toMatchObject({ category: 'billing', team: 'billing', language: 'zh' });
        expect(d.reasons).toEqual(['keyword:billing:zh:账单', 'keyword:general:zh:问题']);
      });
  });

  it('given mixed English and Chinese, then keywords of both languages count, and the language is the one most of the text is in', () => {
    given()
      .when('Hi, I want my refund please. 我要退款，谢谢')
      .then((d) => {
        expect(d).toMatchObject({ category: 'refund', language: 'en' });
        expect(d.reasons).toEqual(['keyword:refund:en:refund*', 'keyword:refund:zh:退款']);
      });
    given()
      .when('你好，我的 invoice 有问题，扣款两次')
      .then((d) => {
        expect(d).toMatchObject({ category: 'billing', language: 'zh' });
        expect(d.reasons).toEqual(['keyword:billing:en:invoice*', 'keyword:billing:zh:扣款', 'keyword:general:zh:问题']);
      });
  });

  it('given words of several categories, then the highest score wins whatever the order of the text', () => {
    given()
      .when('My invoice is wrong and I was charged twice. Also, can I get a refund?')
      .then((d) => {
        expect(d.category).toBe('billing');
        expect(d.reasons.slice(0, 2)).toEqual(['keyword:billing:en:invoice*', 'keyword:billing:en:charged']);
        expect(d.reasons).toContain('keyword:refund:en:refund*');
      });
  });

  it('given a tie, then the category listed first in the settings wins (refund before billing)', () => {
    given()
      .when('I was charged for something I returned, please refund it')
      .then((d) => expect(d.category).toBe('refund'));
    const billingFirst = triageSettingsSchema.parse({
      ...defaultTriageSettingsInput,
      categories: [...defaultTriageSettingsInput.categories].sort((a, b) => (a.name === 'billing' ? -1 : b.name === 'billing' ? 1 : 0)),
    });
    given({ settings: billingFirst })
      .when('I was charged for something I returned, please refund it')
      .then((d) => expect(d.category).toBe('billing'));
  });

  it('given a keyword repeated many times, then it still scores once (shouting does not outvote another reason)', () => {
    given()
      .when('REFUND REFUND REFUND!!!', 'The app shows an error and then it crashes')
      .then((d) => expect(d.category).toBe('technical'));
  });

  it('given no keyword at all, then the fallback category general, its team, and a fallback reason', () => {
    given()
      .when('Hello there', 'Is anyone around?')
      .then((d) => {
        expect(d).toMatchObject({ category: 'general', team: 'support', language: 'en' });
        expect(d.reasons).toEqual(['fallback:general']);
      });
  });

  it('given Latin words that merely contain a keyword, then they do not match (whole words only)', () => {
    given()
      .when('A billion thanks, the error-free billboard looks great')
      .then((d) => {
        expect(d.reasons).not.toContain('keyword:billing:en:bill');
        // "error-free" still names the word error: a hyphen separates words.
        expect(d.reasons).toContain('keyword:technical:en:error*');
      });
  });

  it('given a phrase keyword, then its words may be separated by any white space, and typographic apostrophes are read as plain ones', () => {
    given().when('the checkout does\nnot   work').then((d) => expect(d.reasons).toEqual(['keyword:technical:en:does not work']));
    given().when('checkout doesn’t work').then((d) => expect(d.reasons).toEqual(["keyword:technical:en:doesn't work"]));
  });

  it('given a tenant that adds Spanish keywords and its own category, then they are matched like the defaults', () => {
    const settings = triageSettingsSchema.parse({
      ...defaultTriageSettingsInput,
      categories: [
        { name: 'late-delivery', team: 'logistics', keywords: { en: ['late', 'where is my order'], es: ['retras*', 'no ha llegado'] } },
        ...defaultTriageSettingsInput.categories,
      ],
    });
    given({ settings })
      .when('Mi pedido está retrasado y todavía no ha llegado')
      .then((d) => {
        expect(d).toMatchObject({ category: 'late-delivery', team: 'logistics', language: 'es' });
        expect(d.reasons).toEqual(['keyword:late-delivery:es:retras*', 'keyword:late-delivery:es:no ha llegado']);
      });
  });

  it('given only the subject carries the reason, then the subject counts like a message', () => {
    given()
      .when('Invoice INV-2291', 'See attached, thanks')
      .then((d) => expect(d.category).toBe('billing'));
  });
});
