import { describe, expect, it } from 'vitest';
import { parseSurveyReply } from '../../../../src/domain/survey/reply.ts';

const csat = { kind: 'csat' } as const;
const nps = { kind: 'nps' } as const;

describe('given a pending CSAT survey (1–5)', () => {
  it.each([
    ['5', 5],
    [' 4 ', 4],
    ['4/5', 4],
    ['4 / 5', 4],
    ['3.', 3],
    ['5!', 5],
    ['٥', 5], // Arabic-Indic five
    ['۴', 4], // Extended Arabic-Indic (Persian) four
    ['５', 5], // full-width five
    ['⭐⭐⭐⭐', 4],
    ['⭐️⭐️', 2], // with emoji variation selectors
  ])('when the customer replies %j, then the score is %i', (text, score) => {
    expect(parseSurveyReply(text, csat)?.score).toBe(score);
  });

  it.each([
    ['I have 2 questions'],
    ['2 questions'],
    ['0'],
    ['6'],
    ['10'],
    ['4/10'],
    ['4.5'],
    ['-3'],
    ['5 5'],
    [''],
    ['five'],
    ['⭐⭐⭐⭐⭐⭐'],
  ])('when the customer replies %j, then it is not an answer', (text) => {
    expect(parseSurveyReply(text, csat)).toBeNull();
  });

  it('when the score is 2 or less, then someone follows up; 3 or more, nobody', () => {
    expect(parseSurveyReply('1', csat)).toEqual({ score: 1, followUp: true });
    expect(parseSurveyReply('2', csat)).toEqual({ score: 2, followUp: true });
    expect(parseSurveyReply('3', csat)).toEqual({ score: 3, followUp: false });
  });
});

describe('given a pending NPS survey (0–10)', () => {
  it.each([
    ['10', 10],
    ['0', 0],
    ['8/10', 8],
    ['١٠', 10], // Arabic-Indic ten
    ['९', 9], // Devanagari nine
    ['07', 7],
  ])('when the customer replies %j, then the score is %i', (text, score) => {
    expect(parseSurveyReply(text, nps)?.score).toBe(score);
  });

  it.each([['11'], ['100'], ['8/5'], ['⭐⭐⭐'], ['I would give you a 9']])('when the customer replies %j, then it is not an answer', (text) => {
    expect(parseSurveyReply(text, nps)).toBeNull();
  });

  it('when the score is 6 or less (a detractor), then someone follows up; 7 or more, nobody', () => {
    expect(parseSurveyReply('6', nps)).toEqual({ score: 6, followUp: true });
    expect(parseSurveyReply('7', nps)).toEqual({ score: 7, followUp: false });
    expect(parseSurveyReply('0', nps)).toEqual({ score: 0, followUp: true });
  });
});
