/**
 * Thin given/when/then helpers over the bot, so its specs read as specifications:
 *
 *   given(customerLine('I forgot my password', T0), botLine(answer, plus(T0, SECOND)))
 *     .when('still does not work')
 *     .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'wrote-again' }));
 *
 *   givenArticles(exampleKnowledgeBase).when('Не могу войти', 'ru').then((m) => expect(m?.article.id).toBe('kb-ru-password-reset'));
 *
 * The conversation is a new chat the customer opened at T0; the message being decided on is
 * appended to the transcript as the last customer line, a minute after the last line (or at T0).
 */
import { newConversation } from '../../../../src/domain/fold/conversation.ts';
import { botSettingsSchema, knowledgeArticleSchema, type BotSettingsInput, type KnowledgeArticle, type KnowledgeArticleInput } from '../../../../src/domain/bot/config.ts';
import { decideBotTurn, type BotTurn } from '../../../../src/domain/bot/decide.ts';
import { exampleKnowledgeBase } from '../../../../src/domain/bot/examples.ts';
import { matchArticle, type ArticleMatch } from '../../../../src/domain/bot/match.ts';
import type { Channel, Conversation, TranscriptEntry } from '../../../../src/domain/state.ts';
import { conversationView } from '../../../../src/domain/fold/fold-state.ts';

export const T0 = '2026-01-05T09:00:00.000Z';
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
/** ISO time `ms` milliseconds after `at`. */
export const plus = (at: string, ms: number) => new Date(Date.parse(at) + ms).toISOString();

let seq = 0;
const line = (kind: TranscriptEntry['author']['kind'], id: string, text: string, at: string, extra: Partial<TranscriptEntry> = {}): TranscriptEntry => ({
  eventId: `ev${++seq}`,
  at,
  direction: kind === 'customer' ? 'in' : 'out',
  channel: 'chat',
  provider: 'webchat',
  author: { kind, id },
  text,
  ...extra,
});

export const customerLine = (text: string, at: string) => line('customer', 'cus_1', text, at);
export const botLine = (text: string, at: string) => line('bot', 'faq-bot', text, at);
export const agentLine = (text: string, at: string, opts: { internal?: boolean } = {}) => line('agent', 'agent-7', text, at, opts.internal ? { internal: true } : {});

export interface Context {
  conversation?: Partial<Conversation>;
  settings?: BotSettingsInput;
  articles?: readonly KnowledgeArticle[];
}

interface Scenario {
  with(context: Context): Scenario;
  /** The customer writes `text` (on chat, language detected unless given). */
  when(text: string, options?: { channel?: Channel; language?: string | null }): { then(expectation: (turn: BotTurn) => void): BotTurn };
}

export function given(...history: TranscriptEntry[]): Scenario {
  return scenario(history, {});
}

function scenario(history: TranscriptEntry[], context: Context): Scenario {
  return {
    with: (more) => scenario(history, { ...context, ...more }),
    when: (text, options = {}) => ({
      then: (expectation) => {
        const channel = options.channel ?? 'chat';
        const last = history[history.length - 1];
        const at = last ? plus(last.at, MINUTE) : T0;
        const conversation: Conversation = {
          ...conversationView(newConversation({ id: 'cv_1', tenant: 'acme', customer: 'cus_1', at: Date.parse(T0), initiatedBy: 'customer', channel })),
          ...context.conversation,
        };
        const transcript = [...history, { ...customerLine(text, at), channel }];
        const turn = decideBotTurn(
          { conversation, transcript, text, language: options.language ?? null, channel },
          context.articles ?? exampleKnowledgeBase,
          botSettingsSchema.parse(context.settings ?? {}),
        );
        expectation(turn);
        return turn;
      },
    }),
  };
}

export function givenArticles(articles: readonly KnowledgeArticle[], settings: BotSettingsInput = {}) {
  const parsed = botSettingsSchema.parse(settings);
  return {
    /** The customer writes `text`, in `language` when known (null: detected). */
    when: (text: string, language: string | null = null) => ({
      then: (expectation: (match: ArticleMatch | null) => void) => {
        const match = matchArticle(text, language, articles, parsed);
        expectation(match);
        return match;
      },
    }),
  };
}

/** An article for a spec: an English one about nothing in particular unless told. */
export const article = (fields: Partial<KnowledgeArticleInput> & { id: string }): KnowledgeArticle =>
  knowledgeArticleSchema.parse({ language: 'en', title: 'Untitled', body: 'Nothing to see here.', ...fields });

/** The example article with this id; fails the spec if there is none. */
export function exampleArticle(id: string): KnowledgeArticle {
  const found = exampleKnowledgeBase.find((a) => a.id === id);
  if (!found) throw new Error(`the example knowledge base has no article ${id}`);
  return found;
}
