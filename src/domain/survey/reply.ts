/**
 * Reading a survey answer out of a customer's message. Invitations on SMS and chat ask "reply with
 * a number"; customers answer `5`, ` 4 `, `4/5`, `10!`, `٥` (Arabic-Indic), `５` (full width) or
 * `⭐⭐⭐⭐`. Anything else is a message, not an answer: "I have 2 questions" must reach an agent,
 * not become a score of 2.
 */
import type { SurveyRecord } from '../state.ts';

export interface SurveyReply {
  score: number;
  /** A low score (CSAT ≤ 2, NPS ≤ 6, a detractor): someone should get back to the customer. */
  followUp: boolean;
}

const SCALE: Record<SurveyRecord['kind'], { min: number; max: number; followUpAtOrBelow: number }> = {
  csat: { min: 1, max: 5, followUpAtOrBelow: 2 },
  nps: { min: 0, max: 10, followUpAtOrBelow: 6 },
};

/**
 * Zero of each digit set read besides ASCII (full-width digits become ASCII under NFKC): Arabic-Indic,
 * Extended Arabic-Indic (Persian, Urdu), Devanagari, Bengali, Thai.
 */
const DIGIT_ZEROS = [0x0660, 0x06f0, 0x0966, 0x09e6, 0x0e50];

function asciiDigits(text: string): string {
  return text.replace(/\p{Nd}/gu, (digit) => {
    const cp = digit.codePointAt(0)!;
    const zero = DIGIT_ZEROS.find((z) => cp >= z && cp <= z + 9);
    return zero === undefined ? digit : String(cp - zero);
  });
}

const BARE = /^(\d{1,2})$/;
const FRACTION = /^(\d{1,2})\s*\/\s*(\d{1,2})$/;
const STARS = /^[⭐★]{1,5}$/u;

/** The score a message gives the pending survey, or null when the message is not an answer. */
export function parseSurveyReply(text: string, pendingSurvey: Pick<SurveyRecord, 'kind'>): SurveyReply | null {
  const scale = SCALE[pendingSurvey.kind];
  const answer = asciiDigits(text.normalize('NFKC'))
    .replace(/\uFE0F/g, '')
    .trim()
    .replace(/\s*[.!]+$/, '');

  let score: number | null = null;
  const bare = BARE.exec(answer);
  const fraction = FRACTION.exec(answer);
  if (bare) score = Number(bare[1]);
  // "4/5" only out of the survey's own scale: "4/10" on a 1–5 survey is not an answer we can trust.
  else if (fraction && Number(fraction[2]) === scale.max) score = Number(fraction[1]);
  else if (pendingSurvey.kind === 'csat' && STARS.test(answer)) score = [...answer].length;

  if (score === null || score < scale.min || score > scale.max) return null;
  return { score, followUp: score <= scale.followUpAtOrBelow };
}
