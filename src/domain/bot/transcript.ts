/**
 * What the transcript says about the bot's part so far. The bot writes at most twice in a
 * conversation: its answer, and later the hand-off message; so its first message is the answer, and
 * a bot message after the customer wrote back is the hand-off already announced.
 */
import type { TranscriptEntry } from '../state.ts';

const delivered = (transcript: readonly TranscriptEntry[]) => transcript.filter((e) => !e.internal);

/** The bot's answer, if it gave one. */
export const botAnswerIn = (transcript: readonly TranscriptEntry[]): TranscriptEntry | null =>
  delivered(transcript).find((e) => e.author.kind === 'bot') ?? null;

/** Whether the bot already told the customer it passes them on (so it does not say it twice). */
export function handoffAnnounced(transcript: readonly TranscriptEntry[]): boolean {
  const lines = delivered(transcript);
  const answer = lines.findIndex((e) => e.author.kind === 'bot');
  if (answer < 0) return false;
  const replied = lines.findIndex((e, i) => i > answer && e.author.kind === 'customer');
  return replied >= 0 && lines.some((e, i) => i > replied && e.author.kind === 'bot');
}

/** Customer messages before the one being decided on (the last customer entry). */
export function earlierCustomerMessages(transcript: readonly TranscriptEntry[]): TranscriptEntry[] {
  const customer = transcript.filter((e) => e.author.kind === 'customer');
  return customer.slice(0, -1);
}

/** Any agent line, internal notes included: an agent who left a note is working the conversation. */
export const agentWroteIn = (transcript: readonly TranscriptEntry[]): boolean => transcript.some((e) => e.author.kind === 'agent');
