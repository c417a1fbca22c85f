import { describe, expect, it } from 'vitest';
import { botSettingsSchema, defaultBotSettings } from '../../../../src/domain/bot/config.ts';
import { asksForHuman, findHandoffPhrase } from '../../../../src/domain/bot/handoff.ts';

describe('given the default hand-off phrases, when the customer asks for a person', () => {
  it.each([
    ['English, on its own', 'agent'],
    ['English, in a sentence', 'Can I please talk to a real person about this?'],
    ['English, a plural', 'Are any of your agents online?'],
    ['English, shouting', 'HUMAN!!!'],
    ['Russian, inflected', 'Соедините меня с оператором, пожалуйста'],
    ['Russian, a live person', 'Позовите живого человека'],
    ['Chinese, inside a sentence (no spaces)', '我要转人工'],
    ['Chinese, customer service', '请帮我找客服'],
    ['German', 'Ich möchte mit einem Mitarbeiter sprechen'],
    ['Spanish', 'Quiero hablar con un agente'],
    ['French, accent omitted', 'Je veux parler a un conseiller'],
    ['French, with the accent', 'Passez-moi une conseillère'],
  ])('in %s ("%s"), then it counts', (_what, text) => {
    expect(asksForHuman(text, defaultBotSettings)).toBe(true);
  });
});

describe('given the default hand-off phrases, when a word merely contains one', () => {
  it.each([
    ['agentur', 'Die Agentur hat mir geschrieben'],
    ['humane', 'That was a humane decision'],
    ['personal', 'I need my personal data exported'],
    ['agenda', 'What is on the agenda?'],
    ['humanity', 'Faith in humanity restored, thanks!'],
  ])('("%s" in "%s"), then it does not count', (_word, text) => {
    expect(asksForHuman(text, defaultBotSettings)).toBe(false);
  });

  it('and a question without any, then it does not count either', () => {
    expect(asksForHuman('How do I reset my password?', defaultBotSettings)).toBe(false);
    expect(asksForHuman('Как вернуть деньги?', defaultBotSettings)).toBe(false);
    expect(asksForHuman('我忘记密码了', defaultBotSettings)).toBe(false);
  });
});

describe('given phrases of several languages', () => {
  it('when one is found, then it is named with its language, whatever language the rest of the text is in', () => {
    expect(findHandoffPhrase('Hi, оператор please', defaultBotSettings)).toEqual({ language: 'ru', phrase: 'оператор*' });
    expect(findHandoffPhrase('no phrase here', defaultBotSettings)).toBeNull();
  });

  it("when a tenant lists its own, then they replace the defaults", () => {
    const settings = botSettingsSchema.parse({ handoffPhrases: { en: ['supervisor'] } });
    expect(asksForHuman('get me a supervisor', settings)).toBe(true);
    expect(asksForHuman('get me a human', settings)).toBe(false);
  });
});
