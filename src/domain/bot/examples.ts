/**
 * The example tenant's knowledge base: the questions a web shop hears most, in English, with the
 * commonest also in Russian and Chinese. The example tenant YAML carries the same articles; specs
 * use these so they test the content a new tenant starts from.
 */
import { knowledgeBaseSchema, type KnowledgeArticleInput, type KnowledgeBase } from './config.ts';

export const exampleKnowledgeBaseInput = [
  {
    id: 'kb-en-password-reset',
    language: 'en',
    category: 'technical',
    title: 'How do I reset my password?',
    body:
      'On the sign-in page, choose "Forgot password?" and enter the e-mail address of your account. We send you a link that works for 60 minutes; ' +
      'open it and choose a new password of at least 10 characters. No e-mail after 5 minutes? Check your spam folder, or make sure you typed the ' +
      'address you signed up with. After five wrong attempts sign-in is locked for 15 minutes.',
    keywords: ['forgot password', 'forgot my password', 'reset password', 'reset my password', 'password reset', "can't log in", 'cannot log in', "can't sign in", 'locked out'],
  },
  {
    id: 'kb-en-refund-policy',
    language: 'en',
    category: 'refund',
    title: 'Refund policy: how and when you get your money back',
    body:
      'You can return most items within 30 days of delivery for a full refund. Start a return under Orders → Return an item and print the label. ' +
      'Once the parcel reaches our warehouse we refund the original payment method within 5 working days; your bank may take another 3 to 5 days to show it. ' +
      'Shipping costs are refunded when the item was faulty or not what you ordered.',
    keywords: ['refund*', 'money back', 'return policy', 'reimburs*', 'return an item'],
  },
  {
    id: 'kb-en-order-tracking',
    language: 'en',
    category: 'delivery',
    title: 'Where is my order? Tracking your delivery',
    body:
      'When your order ships we e-mail you a tracking number; you also find it under Orders → Track. Tracking can take 24 hours to show the first scan. ' +
      'Standard delivery takes 3 to 5 working days, express 1 to 2. If tracking has not moved for 5 working days, write to us and we will open an inquiry with the carrier.',
    keywords: ['where is my order', 'track*', 'tracking number', 'delivery status', 'not arrived', "hasn't arrived", 'not received', 'parcel', 'package'],
  },
  {
    id: 'kb-en-invoice',
    language: 'en',
    category: 'billing',
    title: 'Invoices and billing questions',
    body:
      'Every order has an invoice with VAT under Orders → Invoice (PDF). To add a company name or VAT number, update your billing details before you order; ' +
      'we can reissue an invoice for orders of the last 90 days. If you see a charge twice, the second is usually a card pre-authorisation that disappears within 7 days.',
    keywords: ['invoice*', 'receipt*', 'billing', 'bill', 'vat', 'charged twice', 'double charge*'],
  },
  {
    id: 'kb-en-app-crash',
    language: 'en',
    category: 'technical',
    title: "The app crashes or won't open",
    body:
      'Please update the app to the latest version from the App Store or Google Play, then restart your phone. If it still crashes, clear the app cache ' +
      '(Android: Settings → Apps → our app → Storage → Clear cache; iPhone: delete and reinstall the app; your account and orders are kept). ' +
      'Still not working? Tell us your phone model and app version (Profile → About).',
    keywords: ['crash*', "won't open", "doesn't open", 'keeps closing', 'freez*', 'app stopped', 'app not working', "app doesn't work"],
  },
  {
    id: 'kb-ru-password-reset',
    language: 'ru',
    category: 'technical',
    title: 'Как восстановить пароль',
    body:
      'На странице входа нажмите «Забыли пароль?» и введите адрес электронной почты, указанный при регистрации. Мы пришлём ссылку, она действует 60 минут; ' +
      'перейдите по ней и задайте новый пароль не короче 10 символов. Письма нет через 5 минут? Проверьте папку «Спам». ' +
      'После пяти неверных попыток вход блокируется на 15 минут.',
    keywords: ['парол*', 'забыл* парол*', 'не могу войти', 'не получается войти', 'восстанов* доступ*', 'сброс* парол*'],
  },
  {
    id: 'kb-ru-refund',
    language: 'ru',
    category: 'refund',
    title: 'Возврат денег: сроки и условия',
    body:
      'Большинство товаров можно вернуть в течение 30 дней после доставки с полным возвратом денег. Оформите возврат в разделе «Заказы → Вернуть товар» и распечатайте этикетку. ' +
      'Когда посылка придёт на наш склад, мы вернём деньги на карту, которой вы платили, в течение 5 рабочих дней; банку может понадобиться ещё 3–5 дней.',
    keywords: ['возврат*', 'верни*', 'вернут*', 'деньг*', 'денег', 'компенсац*'],
  },
  {
    id: 'kb-zh-password-reset',
    language: 'zh',
    category: 'technical',
    title: '如何重置密码',
    body: '在登录页面点击"忘记密码？"，输入注册时使用的电子邮箱。我们会发送一个重置链接，60 分钟内有效；打开链接后设置一个至少 10 位的新密码。5 分钟后仍未收到邮件？请检查垃圾邮件文件夹。连续输错五次后，登录将被锁定 15 分钟。',
    keywords: ['忘记密码', '重置密码', '找回密码', '密码错误', '无法登录', '登不上', '登录不了'],
  },
  {
    id: 'kb-zh-order-tracking',
    language: 'zh',
    category: 'delivery',
    title: '如何查询订单物流',
    body: '订单发货后，我们会通过邮件发送物流单号，您也可以在"我的订单 → 查看物流"中找到。物流信息最多可能需要 24 小时才会更新。标准配送需要 3 到 5 个工作日，加急配送 1 到 2 个工作日。如果物流 5 个工作日没有更新，请联系我们，我们会向快递公司查询。',
    keywords: ['物流', '快递', '订单在哪', '查询订单', '还没到', '没收到', '发货', '包裹'],
  },
] satisfies KnowledgeArticleInput[];

export const exampleKnowledgeBase: KnowledgeBase = knowledgeBaseSchema.parse(exampleKnowledgeBaseInput);
