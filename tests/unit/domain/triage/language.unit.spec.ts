import { describe, expect, it } from 'vitest';
import { canonicalLanguageTag, defaultLanguageProfiles, detectLanguage } from '../../../../src/domain/triage/language.ts';
import { given } from './given.ts';

describe('triage: language detection', () => {
  it.each([
    ['Hi, my order never arrived', 'en'],
    ['Здравствуйте, мой заказ не пришёл', 'ru'],
    ['我的订单还没有到', 'zh'],
    ['Hola, quiero un reembolso de mi pedido', 'es'],
    ['Hallo, meine Bestellung ist nicht angekommen', 'de'],
    ['Bonjour, je n’ai pas reçu ma commande', 'fr'],
    ['Привіт, мені потрібна допомога з замовленням', 'uk'],
    ['注文した商品がまだ届きません', 'ja'],
    ['주문이 아직 도착하지 않았어요', 'ko'],
  ])('given %s, then %s', (text, tag) => {
    expect(detectLanguage(text)).toBe(tag);
  });

  it('given Latin text with no common word of any language, then English (the first Latin profile)', () => {
    expect(detectLanguage('Refund')).toBe('en');
  });

  it('given mixed scripts, then the one holding most of the text (two Chinese characters weigh about one word)', () => {
    expect(detectLanguage('Order #123: 我的账单有问题')).toBe('zh');
    expect(detectLanguage('Hello, I have a question about my bill 谢谢')).toBe('en');
    expect(detectLanguage('Спасибо, all good, thanks a lot')).toBe('en');
  });

  it('given empty text, white space, or no letters at all, then null (nothing to tell)', () => {
    expect(detectLanguage('')).toBeNull();
    expect(detectLanguage('  \n ')).toBeNull();
    expect(detectLanguage('+1 555 0100 !!! 👍')).toBeNull();
  });

  it('given a declared language, then it wins over the text, in canonical form', () => {
    expect(detectLanguage('Hello', { declared: 'ru' })).toBe('ru');
    expect(detectLanguage('Olá, meu pedido', { declared: 'pt-br' })).toBe('pt-BR');
    expect(detectLanguage('', { declared: 'zh-Hans' })).toBe('zh-Hans');
  });

  it('given a declared value that is not a language tag, then it is ignored and the text decides', () => {
    expect(detectLanguage('Здравствуйте', { declared: 'not a tag!' })).toBe('ru');
    expect(detectLanguage('Здравствуйте', { declared: '' })).toBe('ru');
    expect(canonicalLanguageTag('xx_YY!')).toBeNull();
  });

  it('given a script without a profile, then null rather than a wrong guess; given a profile for it, then its tag', () => {
    expect(detectLanguage('გამარჯობა')).toBeNull();
    expect(detectLanguage('Sawubona, ngicela usizo', { profiles: [{ tag: 'zu', script: 'Latin' }] })).toBe('zu');
    expect(detectLanguage('Hello', { profiles: defaultLanguageProfiles.filter((p) => p.tag !== 'en') })).toBe('es');
  });

  describe('in the triage decision', () => {
    it('given the conversation carries a language (declared by the provider on a message), then the decision keeps it', () => {
      given({ conversation: { language: 'kk' } })
        .when('Здравствуйте, приложение не работает')
        .then((d) => expect(d.language).toBe('kk'));
    });

    it('given no declared language, then the language of all the customer’s messages together (one short English reply does not flip a Russian customer)', () => {
      given()
        .when('Здравствуйте, у меня не проходит оплата картой, пишет ошибку', 'ok')
        .then((d) => expect(d.language).toBe('ru'));
    });

    it('given no text (an attachment only), then language null, the fallback category and its team', () => {
      given()
        .when('')
        .then((d) => expect(d).toEqual({ category: 'general', priority: 'normal', language: null, team: 'support', reasons: ['fallback:general'] }));
      given()
        .when()
        .then((d) => expect(d).toMatchObject({ category: 'general', language: null }));
    });
  });
});
