/**
 * The bot's turn on a customer message: answer from the knowledge base, hand the conversation to
 * routing (with a note for the agent), or stay out because a person is already on it.
 *
 * The bot answers once, the opening message of a conversation the customer started, on a channel
 * it serves. Asking for a person, or writing again after its answer, hands over; its own messages
 * are `message.sent` by a bot, which never count as a first response (the fold sees to that).
 *
 * Pure: the caller passes the projection's conversation and transcript; times come from them.
 */
import type { Channel, Conversation, TranscriptEntry } from '../state.ts';
import { detectLanguage } from '../triage/language.ts';
import { answerText } from './answer.ts';
import type { BotSettings, KnowledgeArticle } from './config.ts';
import { handoffContext, type HandoffReason } from './context.ts';
import { findHandoffPhrase, type HandoffPhraseFound } from './handoff.ts';
import { textForLanguage } from './language-choice.ts';
import { matchArticle } from './match.ts';
import { agentWroteIn, botAnswerIn, earlierCustomerMessages, handoffAnnounced } from './transcript.ts';

export interface BotTurnInput {
  conversation: Conversation;
  /** The latest lines, oldest first; the message being decided on is the last customer entry. */
  transcript: readonly TranscriptEntry[];
  /** The message being decided on. */
  text: string;
  /** BCP 47, declared or detected; null to detect it from `text`. */
  language: string | null;
  /** The channel the message came in on (the bot would answer there). */
  channel: Channel;
}

export type BotTurn =
  | { kind: 'answer'; article: KnowledgeArticle; score: number; text: string }
  | {
      kind: 'handoff';
      reason: HandoffReason;
      /** For the agent: why, what the customer asked, what the bot sent and when. */
      context: string;
      /** What the bot tells the customer as it steps aside; only when it had answered (and not said so yet). */
      message: string | null;
    }
  | { kind: 'done' };

export function decideBotTurn(input: BotTurnInput, articles: readonly KnowledgeArticle[], settings: BotSettings): BotTurn {
  const { conversation, transcript } = input;
  if (conversation.assignee !== null || conversation.lastAgentMessageAt !== null || agentWroteIn(transcript)) return { kind: 'done' };

  const handoff = (reason: HandoffReason, options: { phrase?: HandoffPhraseFound | null; speaks?: boolean } = {}): BotTurn => {
    // The bot only says goodbye where it spoke before, and where it is still allowed to speak.
    const speaks = options.speaks === true && botAnswerIn(transcript) !== null && !handoffAnnounced(transcript);
    return {
      kind: 'handoff',
      reason,
      context: handoffContext({ reason, transcript, text: input.text, channel: input.channel, articles, phrase: options.phrase ?? null }),
      message: speaks ? textForLanguage(settings.handoffMessage, detectLanguage(input.text, { declared: input.language })) : null,
    };
  };

  if (!settings.enabled) return handoff('disabled');
  if (!settings.channels.includes(input.channel)) return handoff('channel-not-served');
  if (conversation.initiatedBy !== 'customer') return handoff('not-customer-initiated');

  const phrase = findHandoffPhrase(input.text, settings);
  if (phrase) return handoff('asked-for-human', { phrase, speaks: true });
  // Not the opening message: either the bot answered and did not help, or it handed over already.
  if (botAnswerIn(transcript) !== null || earlierCustomerMessages(transcript).length > 0) return handoff('wrote-again', { speaks: true });

  const match = matchArticle(input.text, input.language, articles, settings);
  if (!match) return handoff('no-match');
  return { kind: 'answer', article: match.article, score: match.score, text: answerText(match.article) };
}
