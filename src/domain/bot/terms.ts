/**
 * Content terms of a text, for comparing what a customer wrote with an article that says it in
 * other words. Words of spaced scripts (Latin, Cyrillic, ...) count from three letters on, filler
 * words left out; scripts written without spaces (Han, Kana, Thai) count as character bigrams,
 * the usual way to compare Chinese without a dictionary: 重置密码 gives 重置, 置密, 密码.
 *
 * Texts are expected in the form foldForMatching gives.
 */

const UNSPACED_CHAR = String.raw`[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]`;
const UNSPACED_RUN = new RegExp(`^${UNSPACED_CHAR}+$`, 'u');
/** A run of an unspaced script, or a word of any other (so `订单order` is two tokens). */
const TOKEN = new RegExp(`${UNSPACED_CHAR}+|(?:(?!${UNSPACED_CHAR})[\\p{L}\\p{M}\\p{N}'])+`, 'gu');

/**
 * Words that say nothing about the topic. Not triage's language-detection stopwords: those include
 * topical cues such as order and заказ, which are exactly what an order-tracking article is about.
 */
const FILLER = new Set([
  // en
  ...['the', 'and', 'you', 'your', 'yours', 'are', 'was', 'were', 'have', 'has', 'had', 'can', 'could', 'would', 'should', 'will', 'with', 'for', 'not', 'but'],
  ...['this', 'that', 'these', 'those', 'what', 'when', 'where', 'how', 'why', 'who', 'which', 'there', 'here', 'from', 'about', 'into', 'our', 'out', 'any', 'all'],
  ...['get', 'got', 'just', 'please', 'thanks', 'thank', 'hello', 'hey', 'dear', 'does', 'did', "don't", "doesn't", "i'm", "i've", 'some', 'also', 'still', 'yet'],
  // ru
  ...['как', 'что', 'это', 'мой', 'моя', 'мое', 'мои', 'мне', 'меня', 'вас', 'ваш', 'ваша', 'ваше', 'ваши', 'для', 'при', 'или', 'где', 'так', 'уже', 'еще', 'все'],
  ...['есть', 'был', 'была', 'было', 'были', 'нет', 'почему', 'когда', 'можно', 'нужно', 'пожалуйста', 'спасибо', 'здравствуйте', 'добрый', 'день', 'привет', 'чтобы'],
  // de, es, fr
  ...['der', 'die', 'das', 'und', 'ist', 'ich', 'nicht', 'mein', 'meine', 'ein', 'eine', 'mit', 'fur', 'bitte', 'danke', 'hallo', 'wie', 'auf'],
  ...['los', 'las', 'que', 'una', 'por', 'para', 'con', 'pero', 'muy', 'gracias', 'hola', 'como', 'esta'],
  ...['les', 'des', 'est', 'vous', 'mon', 'pas', 'une', 'pour', 'avec', 'merci', 'bonjour', 'que', 'comment'],
]);

/** Chinese pleasantries and question words, as bigrams. */
const FILLER_BIGRAMS = new Set(['你好', '您好', '谢谢', '请问', '如何', '怎么', '什么', '为什', '我的', '一下', '可以', '是否', '我们', '你们', '的时', '时候']);

export function termsOf(foldedText: string): string[] {
  const terms = new Set<string>();
  for (const token of foldedText.match(TOKEN) ?? []) {
    if (UNSPACED_RUN.test(token)) {
      const chars = [...token];
      // A lone character (我, 的) carries too little to match on.
      for (let i = 0; i + 1 < chars.length; i++) {
        const bigram = `${chars[i]}${chars[i + 1]}`;
        if (!FILLER_BIGRAMS.has(bigram)) terms.add(bigram);
      }
      continue;
    }
    const word = token.replace(/^'+|'+$/g, '');
    if ([...word].length >= 3 && /\p{L}/u.test(word) && !FILLER.has(word)) terms.add(word);
  }
  return [...terms];
}

/**
 * Whether two terms are the same word, up to its ending: a light stemmer that covers inflection
 * (пароль, пароля, паролем; reset, resetting) without a morphology library. Words must share their
 * first five letters and differ only in the last three or so; bigrams must be equal.
 */
export function sameTerm(a: string, b: string): boolean {
  if (a === b) return true;
  const shorter = Math.min(a.length, b.length);
  let prefix = 0;
  while (prefix < shorter && a[prefix] === b[prefix]) prefix++;
  return prefix >= 5 && prefix >= shorter - 3;
}

/** How many of `terms` appear among `among` (same word, up to the ending). */
export function termsFound(terms: readonly string[], among: readonly string[]): number {
  const exact = new Set(among);
  return terms.filter((t) => exact.has(t) || among.some((other) => sameTerm(t, other))).length;
}
