/**
 * A tenant's triage settings: contact-reason categories with their keywords, and the rules that
 * raise priority. The schema is zod so the tenant configuration can embed it (YAML in, validated
 * at start-up); `defaultTriageSettings` is what a tenant without its own settings gets.
 *
 * Keyword syntax (see keywords.ts): Han/Kana/Thai keywords match as substrings, others as whole
 * words, case-insensitively; a trailing `*` on a word makes it a stem (`возврат*`).
 */
import { z } from 'zod';
import { idSchema, prioritySchema } from '../../../events/types/common.ts';
import { durationSchema } from '../duration.ts';

/** Keys of keyword lists: a BCP 47 tag, usually just the language (en, ru, zh, pt-BR). */
const languageKeySchema = z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/, 'a BCP 47 language tag such as en, ru or zh');

export const keywordSchema = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((k) => /[\p{L}\p{N}]/u.test(k), 'a keyword needs a letter or digit')
  .refine((k) => k.split(/\s+/).every((word) => !word.slice(0, -1).includes('*')), '`*` may only end a word (a stem: возврат*)');

/** Keywords per language. Every list is matched whatever language the text is in (customers mix them). */
export const keywordsByLanguageSchema = z.record(languageKeySchema, z.array(keywordSchema).max(500));

/** Category names appear in reasons (`keyword:<category>:<lang>:<word>`), so no `:` and no spaces. */
const categoryNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a lowercase slug such as refund or late-delivery');

export const triageCategorySchema = z.strictObject({
  /** Contact reason, as it appears on conversation.triaged and in contact-reason KPIs. */
  name: categoryNameSchema,
  /** Team whose queue conversations of this category go to; null leaves routing to decide. */
  team: z.string().min(1).max(64).nullable(),
  keywords: keywordsByLanguageSchema.default({}),
  /** Each matched keyword scores this much; below 1 makes a catch-all lose to any specific category. */
  weight: z.number().positive().max(100).default(1),
});

/** A word list that raises priority when any of its words appears. */
const wordRuleSchema = z.strictObject({
  priority: prioritySchema,
  keywords: keywordsByLanguageSchema,
});

export const triageSettingsSchema = z
  .strictObject({
    /** In tie-break order: when two categories score the same, the one listed first wins. */
    categories: z.array(triageCategorySchema).min(1),
    /** The category of a conversation no keyword matched; must be one of `categories`. */
    fallbackCategory: categoryNameSchema.default('general'),
    /** Customers whose conversations start at a higher priority (their merged-away ids count too). */
    vip: z.strictObject({ customers: z.array(idSchema).default([]), priority: prioritySchema.default('high') }).prefault({}),
    /** Words announcing legal action (lawyer, court, regulator). */
    legalThreat: wordRuleSchema,
    /** Words announcing the customer wants to leave (cancel, close my account). */
    cancellation: wordRuleSchema,
    /** The customer opened `conversations` conversations (this one included) within `within`; null turns the rule off. */
    repeatedContact: z
      .strictObject({
        conversations: z.number().int().min(2).max(1000),
        /** Milliseconds once parsed; written as `7d`, `48h`, ... */
        within: durationSchema,
        priority: prioritySchema.default('high'),
      })
      .nullable(),
  })
  .superRefine((s, ctx) => {
    const names = s.categories.map((c) => c.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['categories', i, 'name'], message: `category ${name} is listed twice` });
    });
    if (!names.includes(s.fallbackCategory)) {
      ctx.addIssue({ code: 'custom', path: ['fallbackCategory'], message: `fallback category ${s.fallbackCategory} is not one of the categories (${names.join(', ')})` });
    }
  });

/** Settings as written in configuration (durations as text, defaults omitted). */
export type TriageSettingsInput = z.input<typeof triageSettingsSchema>;
/** Settings once validated: what the triage decision reads. */
export type TriageSettings = z.output<typeof triageSettingsSchema>;
export type TriageCategory = z.output<typeof triageCategorySchema>;

/**
 * The defaults, in English, Russian and Chinese. Russian words are stems (`*`) because the language
 * inflects: `возврат*` covers возврат, возврата, возвратом. Stems are kept long enough not to
 * catch unrelated words (`суд*` would find судьба, "fate"; `иск*` would find искать, "to search"),
 * which is why some words are listed form by form.
 */
export const defaultTriageSettingsInput = {
  categories: [
    // Refund first: "it doesn't work, give me my money back" is a refund request, whose team can act on it.
    {
      name: 'refund',
      team: 'billing',
      keywords: {
        en: ['refund*', 'money back', 'reimburs*', 'chargeback*', 'return my money', 'repay*'],
        ru: ['возврат*', 'верни*', 'вернут*', 'вернул*', 'вернет*', 'деньг*', 'денег', 'компенсац*', 'возмест*', 'возмещ*'],
        zh: ['退款', '退钱', '退费', '返还', '退回', '退货'],
      },
    },
    {
      name: 'technical',
      team: 'tech-support',
      keywords: {
        en: ['error*', 'bug', 'bugs', 'crash*', 'not working', "doesn't work", 'does not work', "isn't working", "won't load", 'broken', "can't log in", 'cannot log in', 'login', 'password', 'freez*', 'glitch*', 'outage'],
        ru: ['не работа*', 'ошибк*', 'ошибок', 'сбой', 'сбоя', 'сбои', 'сбоит', 'глюк*', 'глючит', 'зависа*', 'зависло', 'вылета*', 'не загружа*', 'не открыва*', 'не могу войти', 'парол*', 'баг', 'баги'],
        zh: ['错误', '报错', '故障', '无法登录', '登不上', '崩溃', '闪退', '打不开', '不能用', '无法使用', '密码', '卡住'],
      },
    },
    {
      name: 'billing',
      team: 'billing',
      keywords: {
        en: ['invoice*', 'bill', 'billing', 'billed', 'charge', 'charged', 'charges', 'overcharg*', 'payment*', 'receipt*', 'subscription*', 'credit card', 'price', 'pricing', 'vat'],
        ru: ['счет', 'счета', 'счете', 'счету', 'счетом', 'счет-фактур*', 'оплат*', 'платеж*', 'списа*', 'чек', 'чека', 'тариф*', 'подписк*', 'квитанци*'],
        zh: ['账单', '发票', '扣费', '扣款', '收费', '付款', '支付', '订阅', '价格', '多扣'],
      },
    },
    {
      name: 'complaint',
      team: 'customer-care',
      keywords: {
        en: ['complain*', 'terrible', 'awful', 'unacceptable', 'disappointed', 'worst', 'rude', 'poor service', 'ridiculous', 'disgust*', 'speak to a manager'],
        // Not `пожалу*`: it would find пожалуйста ("please").
        ru: ['жалоб*', 'жалуюсь', 'ужасн*', 'отвратительн*', 'безобрази*', 'недовол*', 'хамств*', 'груб*', 'позор*', 'неприемлем*'],
        zh: ['投诉', '不满', '太差', '差劲', '态度', '失望', '垃圾', '恶劣', '欺骗'],
      },
    },
    {
      name: 'general',
      team: 'support',
      // Half weight: one specific keyword outweighs a generic "question" in the same text.
      weight: 0.5,
      keywords: {
        en: ['question*', 'how do i', 'how can i', 'information', 'info', 'help'],
        ru: ['вопрос*', 'подскажите', 'помогите', 'информаци*'],
        zh: ['请问', '咨询', '问题', '怎么', '如何', '帮助'],
      },
    },
  ],
  fallbackCategory: 'general',
  vip: { customers: [], priority: 'high' },
  legalThreat: {
    priority: 'urgent',
    keywords: {
      // Not a bare `sue`: Sue is a first name ("Hi, this is Sue").
      en: ['lawyer*', 'attorney*', 'sue you', 'sue your', 'sue the', 'suing', 'lawsuit*', 'legal action', 'court', 'small claims'],
      ru: ['адвокат*', 'юрист*', 'суд', 'суда', 'суду', 'судом', 'суде', 'судебн*', 'досудебн*', 'иск', 'иска', 'иском', 'прокуратур*', 'роспотребнадзор*'],
      zh: ['律师', '起诉', '法院', '诉讼', '法律途径', '告你们', '消协'],
    },
  },
  cancellation: {
    priority: 'high',
    keywords: {
      en: ['cancel*', 'close my account', 'delete my account', 'terminate my', 'end my subscription'],
      ru: ['отмен*', 'расторг*', 'отписат*', 'закрыть аккаунт', 'удалить аккаунт', 'удалите аккаунт', 'закройте аккаунт'],
      zh: ['取消', '退订', '注销', '解约', '销户'],
    },
  },
  repeatedContact: { conversations: 3, within: '7d', priority: 'high' },
} satisfies TriageSettingsInput;

export const defaultTriageSettings: TriageSettings = triageSettingsSchema.parse(defaultTriageSettingsInput);
