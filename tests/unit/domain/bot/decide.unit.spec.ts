import { describe, expect, it } from 'vitest';
import { answerText } from '../../../../src/domain/bot/answer.ts';
import { defaultHandoffMessages } from '../../../../src/domain/bot/config.ts';
import * as fold from '../given.ts';
import { agentLine, botLine, customerLine, exampleArticle, given, plus, MINUTE, SECOND, T0 } from './given.ts';

const passwordArticle = exampleArticle('kb-en-password-reset');
const forgot = customerLine('I forgot my password and cannot log in', T0);
const botAnswered = botLine(answerText(passwordArticle), plus(T0, 5 * SECOND));

describe('given a new chat the customer opened', () => {
  it('when the question is in the knowledge base, then the bot answers once with the article, title first', () => {
    given()
      .when('I forgot my password and cannot log in')
      .then((turn) => {
        expect(turn).toMatchObject({ kind: 'answer', article: { id: 'kb-en-password-reset' } });
        if (turn.kind !== 'answer') return;
        expect(turn.text).toBe(`How do I reset my password?\n\n${passwordArticle.body}`);
        expect(turn.score).toBeGreaterThanOrEqual(0.4);
      });
  });

  it('when a Chinese customer asks, then the Chinese article answers', () => {
    given()
      .when('我的快递什么时候到？')
      .then((turn) => expect(turn).toMatchObject({ kind: 'answer', article: { id: 'kb-zh-order-tracking', language: 'zh' } }));
  });

  it('when the very first message asks for a person, then it goes to routing at once, and the bot says nothing (it never spoke)', () => {
    given()
      .when('I forgot my password, let me talk to a human')
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'asked-for-human', message: null }));
  });

  it('when nothing in the knowledge base fits, then it goes to routing as no-match', () => {
    given()
      .when('Do you sell gift cards?')
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'no-match', message: null }));
  });
});

describe('given the bot answered and the customer writes again', () => {
  const answered = given(forgot, botAnswered);

  it('when they say it did not help, then it hands over as wrote-again and tells the customer in their language', () => {
    answered
      .when('That did not help, the link never arrives')
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'wrote-again', message: defaultHandoffMessages.en }));
  });

  it('when they write in Russian, then the hand-off message is the Russian one', () => {
    answered
      .when('Ссылка не приходит, что делать?')
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'wrote-again', message: defaultHandoffMessages.ru }));
  });

  it('when they ask for a person, then the reason is asked-for-human, with the message', () => {
    answered
      .when('Дайте оператора')
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'asked-for-human', message: defaultHandoffMessages.ru }));
  });

  it('when the agent reads the hand-off, then the context says why, what was asked, which article went out and when', () => {
    answered
      .when('still no e-mail, please get me an agent')
      .then((turn) => {
        expect(turn.kind === 'handoff' && turn.context).toBe(
          [
            'Bot hand-off: the customer asked for a person ("agent").',
            `Customer, ${T0}: "I forgot my password and cannot log in"`,
            `Bot, ${plus(T0, 5 * SECOND)}: sent article kb-en-password-reset "How do I reset my password?"`,
            `Customer, ${plus(T0, 5 * SECOND + MINUTE)}: "still no e-mail, please get me an agent"`,
          ].join('\n'),
        );
      });
  });

  it('when the article has changed since the bot sent it, then the context quotes what the bot sent, in one shortened line', () => {
    const longAnswer = botLine(`Old answer\n\n${'word '.repeat(60)}`, plus(T0, 5 * SECOND));
    given(forgot, longAnswer)
      .when('hm?')
      .then((turn) => {
        const botLineInContext = turn.kind === 'handoff' ? turn.context.split('\n')[2] : '';
        expect(botLineInContext).toMatch(/^Bot, .*: sent "Old answer word word .*…"$/);
        expect([...(botLineInContext ?? '')].length).toBeLessThan(220);
      });
  });

  it('when the bot already said it hands over and the customer writes once more, then it hands over again without repeating itself', () => {
    given(forgot, botAnswered, customerLine('did not help', plus(T0, MINUTE)), botLine(defaultHandoffMessages.en, plus(T0, MINUTE + SECOND)))
      .when('hello?')
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'wrote-again', message: null }));
  });
});

describe('given the bot handed over without answering (no match) and nobody picked it up yet', () => {
  it('when the customer writes again, then the bot does not answer this time either: wrote-again, silently', () => {
    given(customerLine('Do you sell gift cards?', T0))
      .when('I forgot my password')
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'wrote-again', message: null }));
  });
});

describe('given a person is already on the conversation', () => {
  it.each([
    ['an agent is assigned', { assignee: 'agent-7' }, []],
    ['an agent has written', { lastAgentMessageAt: plus(T0, MINUTE) }, []],
    ['an agent left an internal note', {}, [forgot, agentLine('checking the mail logs', plus(T0, MINUTE), { internal: true })]],
  ] as const)('when %s, then the bot stays out', (_what, conversation, history) => {
    given(...history)
      .with({ conversation })
      .when('I forgot my password, can you help?')
      .then((turn) => expect(turn).toEqual({ kind: 'done' }));
  });
});

describe('given the bot may not answer this conversation', () => {
  it('when the customer writes by e-mail (not a bot channel by default), then it goes to routing as channel-not-served', () => {
    given()
      .when('I forgot my password', { channel: 'email' })
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'channel-not-served', message: null }));
  });

  it('when the tenant adds e-mail to the channels, then the bot answers there too', () => {
    given()
      .with({ settings: { channels: ['email'] } })
      .when('I forgot my password', { channel: 'email' })
      .then((turn) => expect(turn.kind).toBe('answer'));
  });

  it('when the bot is switched off, then everything goes to routing as disabled', () => {
    given()
      .with({ settings: { enabled: false } })
      .when('I forgot my password')
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'disabled', message: null, context: expect.stringContaining('the bot is switched off') }));
  });

  it('when the conversation was opened from our side (outbound), then the customer’s reply goes to routing', () => {
    given(botLine('Your order has shipped', T0))
      .with({ conversation: { initiatedBy: 'agent' } })
      .when('I forgot my password')
      .then((turn) => expect(turn).toMatchObject({ kind: 'handoff', reason: 'not-customer-initiated', message: null }));
  });
});

describe('given the tenant’s hand-off messages', () => {
  const settings = { handoffMessage: { de: 'Ich verbinde Sie mit einem Kollegen.', en: 'Connecting you to a colleague.' } };

  it('when the customer’s language has none, then the English one is sent; when it has one, that one', () => {
    given(forgot, botAnswered)
      .with({ settings })
      .when('Это не помогло')
      .then((turn) => expect(turn).toMatchObject({ message: 'Connecting you to a colleague.' }));
    given(forgot, botAnswered)
      .with({ settings })
      .when('Das hat nicht geholfen', { language: 'de-AT' })
      .then((turn) => expect(turn).toMatchObject({ message: 'Ich verbinde Sie mit einem Kollegen.' }));
  });
});

describe('given the bot’s answer goes out as message.sent by a bot', () => {
  it('when it is folded, then it is in the transcript but no first response; the agent’s later reply is', () => {
    const m1 = fold.customerWrote('I forgot my password and cannot log in', T0, { channel: 'chat' });
    fold
      .given(m1, fold.botReplied(answerText(passwordArticle), plus(T0, 5 * SECOND), { channel: 'chat' }))
      .then(({ open }) => expect(open()).toMatchObject({ firstResponseAt: null, lastAgentMessageAt: null, messageCount: 2 }));
    fold
      .given(m1, fold.botReplied(answerText(passwordArticle), plus(T0, 5 * SECOND), { channel: 'chat' }))
      .when(fold.agentReplied('Let me check the mail logs', plus(T0, 3 * MINUTE), { channel: 'chat' }))
      .then(({ open }) => expect(open().firstResponseAt).toBe(plus(T0, 3 * MINUTE)));
  });
});
