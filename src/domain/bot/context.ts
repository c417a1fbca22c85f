/**
 * The note an agent reads when the bot hands a conversation over: why, what the customer asked,
 * what the bot sent and when. Plain text in English (the agents' working language), built from the
 * transcript alone, so replaying the same events writes the same note.
 */
import type { Channel, TranscriptEntry } from '../state.ts';
import { answerText } from './answer.ts';
import type { KnowledgeArticle } from './config.ts';
import type { HandoffPhraseFound } from './handoff.ts';
import { botAnswerIn } from './transcript.ts';

export type HandoffReason = 'asked-for-human' | 'wrote-again' | 'no-match' | 'channel-not-served' | 'disabled' | 'not-customer-initiated';

export interface ContextInput {
  reason: HandoffReason;
  transcript: readonly TranscriptEntry[];
  /** The message being decided on, when the transcript does not hold it. */
  text: string;
  channel: Channel;
  articles: readonly KnowledgeArticle[];
  phrase: HandoffPhraseFound | null;
}

const EXCERPT_CHARS = 160;

export function handoffContext(input: ContextInput): string {
  const customer = input.transcript.filter((e) => e.author.kind === 'customer');
  const latest = customer[customer.length - 1];
  const first = customer[0];
  const answer = botAnswerIn(input.transcript);

  const lines = [`Bot hand-off: ${why(input, answer !== null)}.`];
  if (first && first !== latest) lines.push(`Customer, ${first.at}: ${quote(first.text)}`);
  if (answer) lines.push(`Bot, ${answer.at}: ${sentArticle(answer, input.articles)}`);
  lines.push(latest ? `Customer, ${latest.at}: ${quote(latest.text)}` : `Customer: ${quote(input.text)}`);
  return lines.join('\n');
}

function why(input: ContextInput, botAnswered: boolean): string {
  switch (input.reason) {
    case 'asked-for-human':
      return `the customer asked for a person${input.phrase ? ` (${quote(input.phrase.phrase)})` : ''}`;
    case 'wrote-again':
      return botAnswered ? "the customer wrote again after the bot's answer" : 'the customer wrote again';
    case 'no-match':
      return 'no knowledge-base article matched';
    case 'channel-not-served':
      return `the bot does not answer on ${input.channel}`;
    case 'disabled':
      return 'the bot is switched off';
    case 'not-customer-initiated':
      return 'the conversation was opened from our side, the bot answers new customer conversations only';
  }
}

/** The article the bot's answer came from, found by its text (articles may have changed since). */
function sentArticle(answer: TranscriptEntry, articles: readonly KnowledgeArticle[]): string {
  const article = articles.find((a) => answerText(a) === answer.text);
  return article ? `sent article ${article.id} ${quote(article.title)}` : `sent ${quote(answer.text)}`;
}

/** One line, at most EXCERPT_CHARS characters, in quotes. */
function quote(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  return `"${chars.length > EXCERPT_CHARS ? `${chars.slice(0, EXCERPT_CHARS - 1).join('')}…` : line}"`;
}
