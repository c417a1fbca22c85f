/**
 * What the demo's people say: customers' openings and follow-ups per scenario and language, agents'
 * replies per contact reason and language, and the seeded mix of who writes on which channel.
 */
import { seededRandom } from '../sim/random.ts';

export type Language = 'en' | 'ru' | 'zh';
export type DemoChannel = 'email' | 'chat' | 'sms' | 'whatsapp';
export type Scenario = 'kb' | 'refund' | 'billing' | 'technical' | 'complaint' | 'legal' | 'human';

export interface Persona {
  n: number;
  name: string;
  language: Language;
  channel: DemoChannel;
  scenario: Scenario;
  opening: string;
  /** After the bot's answer: stay content with it, or ask for a person. */
  afterBot: 'content' | 'ask-for-human';
  /** The CSAT score given when asked; null: ignores the survey. */
  score: number | null;
  /** Seconds into the run when the customer first writes. */
  startAt: number;
}

const OPENINGS: Record<Language, Record<Scenario, string[]>> = {
  en: {
    kb: ['Hi, I forgot my password and cannot log in', 'Where is my order? The tracking number has not moved for days', 'How do I get an invoice with VAT for my last order?', 'The app keeps crashing when I open it'],
    refund: ['I returned the blender two weeks ago and still have no refund. Order #4471.', 'I want my money back for order #5120, the jacket arrived torn'],
    billing: ['I was charged twice for my subscription this month, can you check?', 'My credit card was billed for an order I cancelled'],
    technical: ['Checkout shows an error when I pay with PayPal', 'The website is broken, the basket does not work'],
    complaint: ['Your courier was rude and left the parcel in the rain. Terrible service.', 'Really disappointed, the third late delivery in a row'],
    legal: ['This is my third message about order #3390. Refund me this week or I will take legal action and call my lawyer.'],
    human: ['I need to talk to a real person please, not a bot'],
  },
  ru: {
    kb: ['Здравствуйте, забыл пароль и не могу войти', 'Как оформить возврат товара? Хочу вернуть деньги'],
    refund: ['Верните деньги за заказ 5521, товар пришёл сломанный'],
    billing: ['С карты дважды списали оплату за подписку, проверьте счёт'],
    technical: ['Приложение не работает, вылетает при оплате', 'Сайт выдаёт ошибку, когда я оформляю заказ'],
    complaint: ['Ужасное обслуживание, курьер нагрубил. Хочу оставить жалобу.'],
    legal: ['Если не вернёте деньги за заказ 7781, обращусь в суд и в Роспотребнадзор'],
    human: ['Соедините с оператором, пожалуйста'],
  },
  zh: {
    kb: ['你好，我忘记密码了，无法登录', '请问我的包裹还没到，怎么查询物流？'],
    refund: ['我要退款，订单 8812 的商品有问题'],
    billing: ['这个月被多扣款了两次，请帮我查一下账单'],
    technical: ['应用一打开就闪退，无法使用'],
    complaint: ['快递员态度太差了，我要投诉'],
    legal: ['再不退款我就找律师起诉你们'],
    human: ['请转人工客服'],
  },
};

export const FOLLOW_UPS: Record<Language, string[]> = {
  en: ['Thanks, that sorted it out!', 'Great, got it. Thank you.', 'OK, that works for me, thanks.'],
  ru: ['Спасибо, всё получилось!', 'Понятно, спасибо.'],
  zh: ['谢谢，问题解决了！', '好的，明白了，谢谢。'],
};

export const ASK_FOR_HUMAN: Record<Language, string> = {
  en: 'That did not help, I want to talk to a human',
  ru: 'Не помогло, позовите живого человека',
  zh: '没有帮助，我要人工客服',
};

const REPLIES: Record<Language, Record<string, string[]>> = {
  en: {
    refund: ['I am sorry for the wait. I checked your order: the refund was issued today and reaches your card within 3 to 5 working days.'],
    billing: ['I checked your account: the second charge was a pre-authorisation and has been released. You will see it disappear within a few days.'],
    technical: ['Thanks for the details. We fixed the payment page this morning; please clear your browser cache and try again.'],
    complaint: ['I am really sorry about this. I have passed it to our courier team and added a 10 € voucher to your account.'],
    delivery: ['Your parcel is at the local depot and goes out for delivery tomorrow morning.'],
    general: ['Happy to help! I have updated your account; you should be all set now.'],
  },
  ru: {
    refund: ['Приносим извинения за ожидание. Возврат оформлен сегодня, деньги поступят на карту в течение 3–5 рабочих дней.'],
    billing: ['Проверил ваш счёт: второе списание — это блокировка, она уже снята.'],
    technical: ['Спасибо! Мы исправили ошибку, обновите приложение и попробуйте снова.'],
    complaint: ['Нам очень жаль. Передал жалобу в службу доставки и начислил вам купон на 500 ₽.'],
    general: ['Рад помочь! Я всё проверил и обновил ваш аккаунт.'],
  },
  zh: {
    refund: ['很抱歉让您久等了。退款已于今天办理，3到5个工作日内退回您的银行卡。'],
    billing: ['我查看了您的账户：第二笔是预授权，已经撤销了。'],
    technical: ['谢谢您的反馈。我们已经修复了这个问题，请更新应用后再试。'],
    complaint: ['非常抱歉给您带来不好的体验。我们已反馈给快递公司，并给您发放了一张优惠券。'],
    general: ['很高兴为您服务！我已经帮您处理好了。'],
  },
};

const CLOSINGS: Record<Language, string> = { en: 'Glad I could help. Have a great day!', ru: 'Рад был помочь, хорошего дня!', zh: '很高兴能帮到您，祝您愉快！' };
const APOLOGIES: Record<Language, string> = {
  en: 'I am sorry we let you down. I am a supervisor and have looked into it again: you will get a full refund and a call from me tomorrow.',
  ru: 'Простите, что мы вас подвели. Я руководитель смены и лично взяла ваш вопрос: вы получите полный возврат.',
  zh: '很抱歉让您失望了。我是主管，已经亲自跟进：您将获得全额退款。',
};

const NOTES = ['Checked order history: repeat customer, no earlier issues.', 'Verified the payment in the PSP dashboard.', 'Customer sounds upset, handle with care.', 'Linked to the courier incident of this week.'];

/** What the agent writes, in the customer's language when the agent speaks it, else in English. */
export function replyText(language: string | null, category: string | null, speaks: readonly string[], pick: <T>(items: readonly T[]) => T): { text: string; language: Language } {
  const lang = (language && speaks.includes(language) && language in REPLIES ? language : 'en') as Language;
  const byCategory = REPLIES[lang];
  return { text: pick(byCategory[category ?? 'general'] ?? byCategory.general!), language: lang };
}

export const closingText = (language: Language) => CLOSINGS[language];
export const apologyText = (language: string | null) => APOLOGIES[(language ?? 'en') in APOLOGIES ? (language as Language) : 'en'];
export const noteText = (pick: <T>(items: readonly T[]) => T) => pick(NOTES);

const NAMES: Record<Language, string[]> = {
  en: ['Jane Doe', 'Tom Baker', 'Priya Shah', 'Carlos Diaz', 'Emma Stone', 'Liam Hart', 'Noah Reed', 'Ava Moss'],
  ru: ['Ольга Петрова', 'Иван Смирнов', 'Анна Кузнецова', 'Дмитрий Орлов'],
  zh: ['王芳', '李强', '张伟', '刘洋'],
};

/** The seeded crowd: who writes, on which channel, in which language, about what, and when. */
export function personas(count: number, seconds: number, seed: number): Persona[] {
  const r = seededRandom(seed);
  const weighted = <T>(items: Array<[T, number]>): T => {
    let x = r.next() * items.reduce((s, [, w]) => s + w, 0);
    for (const [item, w] of items) if ((x -= w) < 0) return item;
    return items[items.length - 1]![0];
  };
  const out: Persona[] = [];
  for (let n = 1; n <= count; n++) {
    const language = weighted<Language>([['en', 6], ['ru', 2], ['zh', 2]]);
    const channel = weighted<DemoChannel>([['email', 3], ['chat', 3], ['sms', 2], ['whatsapp', 2]]);
    const scenario = weighted<Scenario>([['kb', 5], ['refund', 2], ['billing', 2], ['technical', 2], ['complaint', 1.5], ['legal', 0.5], ['human', 1]]);
    const unhappy = scenario === 'complaint' || scenario === 'legal';
    const score = r.chance(0.2) ? null : weighted<number>(unhappy ? [[5, 2], [4, 3], [3, 2], [2, 1.5], [1, 1]] : [[5, 6], [4, 3], [3, 1], [2, 0.4], [1, 0.3]]);
    out.push({
      n,
      name: r.pick(NAMES[language]),
      language,
      channel,
      scenario,
      opening: r.pick(OPENINGS[language][scenario]),
      afterBot: r.chance(0.6) ? 'content' : 'ask-for-human',
      score,
      startAt: r.next() * seconds,
    });
  }
  return out.sort((a, b) => a.startAt - b.startAt);
}
