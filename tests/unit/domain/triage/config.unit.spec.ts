import { describe, expect, it } from 'vitest';
import { conversationTriagedData } from '../../../../events/types/conversation.ts';
import { defaultTriageSettings, defaultTriageSettingsInput, triageSettingsSchema } from '../../../../src/domain/triage/config.ts';
import { MAX_REASONS } from '../../../../src/domain/triage/decide.ts';
import { given } from './given.ts';

describe('triage settings (the tenant configuration)', () => {
  it('the defaults name refund, technical, billing, complaint and general, each with English, Russian and Chinese keywords', () => {
    expect(defaultTriageSettings.categories.map((c) => c.name)).toEqual(['refund', 'technical', 'billing', 'complaint', 'general']);
    for (const c of defaultTriageSettings.categories) {
      for (const lang of ['en', 'ru', 'zh']) expect(c.keywords[lang]?.length ?? 0, `${c.name}/${lang}`).toBeGreaterThan(2);
    }
    for (const rule of [defaultTriageSettings.legalThreat, defaultTriageSettings.cancellation]) {
      expect(Object.keys(rule.keywords)).toEqual(['en', 'ru', 'zh']);
    }
    expect(defaultTriageSettings).toMatchObject({
      fallbackCategory: 'general',
      vip: { customers: [], priority: 'high' },
      legalThreat: { priority: 'urgent' },
      cancellation: { priority: 'high' },
      repeatedContact: { conversations: 3, within: 7 * 24 * 3_600_000, priority: 'high' },
    });
  });

  it('durations are written as text and read as milliseconds; omitted parts take their defaults', () => {
    const parsed = triageSettingsSchema.parse({
      categories: [{ name: 'general', team: null }],
      legalThreat: { priority: 'urgent', keywords: {} },
      cancellation: { priority: 'high', keywords: {} },
      repeatedContact: { conversations: 4, within: '36h' },
    });
    expect(parsed).toMatchObject({
      fallbackCategory: 'general',
      vip: { customers: [], priority: 'high' },
      categories: [{ name: 'general', team: null, keywords: {}, weight: 1 }],
      repeatedContact: { conversations: 4, within: 36 * 3_600_000, priority: 'high' },
    });
  });

  it.each([
    ['a fallback that is not a category', { fallbackCategory: 'other' }, 'fallbackCategory'],
    ['a category listed twice', { categories: [...defaultTriageSettingsInput.categories, { name: 'refund', team: null }] }, 'categories.5.name'],
    ['a `*` inside a word', { categories: [{ name: 'general', team: null, keywords: { en: ['re*fund'] } }] }, 'categories.0.keywords.en.0'],
    ['a keyword without letters', { categories: [{ name: 'general', team: null, keywords: { en: ['***'] } }] }, 'categories.0.keywords.en.0'],
    ['a category name with a colon (it would break reasons)', { categories: [{ name: 'a:b', team: null }], fallbackCategory: 'a:b' }, 'categories.0.name'],
    ['a language key that is not a tag', { cancellation: { priority: 'high', keywords: { English: ['cancel'] } } }, 'cancellation.keywords.English'],
    ['a bad duration', { repeatedContact: { conversations: 3, within: 'a week' } }, 'repeatedContact.within'],
    ['a priority that does not exist', { vip: { customers: [], priority: 'critical' } }, 'vip.priority'],
  ])('rejects %s, naming the key', (_what, change, path) => {
    const result = triageSettingsSchema.safeParse({ ...defaultTriageSettingsInput, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('a decision is valid conversation.triaged data, even when more keywords match than reasons may hold (the priority rules are kept)', () => {
    const many = Array.from({ length: 30 }, (_, i) => `word${i}`);
    const settings = triageSettingsSchema.parse({ ...defaultTriageSettingsInput, categories: [{ name: 'general', team: 'support', keywords: { en: many } }] });
    given({ settings, conversation: { priority: 'low' } })
      .when(`${many.join(' ')} — cancel it or I call my lawyer`)
      .then((d) => {
        expect(d.reasons).toHaveLength(MAX_REASONS);
        expect(d.reasons.slice(-2)).toEqual(['legal-threat:en', 'cancellation:en']);
        expect(conversationTriagedData.parse(d)).toEqual(d);
      });
  });
});
