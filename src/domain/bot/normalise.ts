/**
 * The form the bot compares text in: the triage normalisation (NFKC, lower case, ё as е, plain
 * apostrophes) plus Latin accents dropped, because customers type `conseillere` and `zurucksetzen`
 * on phones as often as `conseillère` and `zurücksetzen`. Only marks on Latin letters go: й and
 * Thai or Devanagari vowel signs are letters of their own.
 */
import { normaliseText } from '../triage/keywords.ts';

export function foldForMatching(text: string): string {
  return normaliseText(text)
    .normalize('NFD')
    .replace(/(?<=\p{Script=Latin})\p{M}+/gu, '')
    .normalize('NFC');
}
