import { describe, expect, it } from 'vitest';
import { defaultTriageSettingsInput, triageSettingsSchema } from '../../../../src/domain/triage/config.ts';
import { DAY, MINUTE, T0, given, plus, withVips } from './given.ts';

const NOW = plus(T0, MINUTE);

describe('triage: priority rules (VIP, legal threat, cancellation, repeated contact)', () => {
  it('given an ordinary customer and message, then the priority stays normal and no priority reason is given', () => {
    given()
      .when('Where can I find my invoice?')
      .then((d) => {
        expect(d.priority).toBe('normal');
        expect(d.reasons).toEqual(['keyword:billing:en:invoice*']);
      });
  });

  it('given a VIP customer, then high, with the reason vip', () => {
    given({ customer: { id: 'cus_vip' }, settings: withVips('cus_vip') })
      .when('Where can I find my invoice?')
      .then((d) => {
        expect(d.priority).toBe('high');
        expect(d.reasons).toContain('vip');
      });
  });

  it('given a customer merged from a VIP record, then the survivor is treated as VIP', () => {
    given({ customer: { id: 'cus_new', mergedFrom: ['cus_vip'] }, settings: withVips('cus_vip') })
      .when('Hello')
      .then((d) => expect(d).toMatchObject({ priority: 'high', reasons: ['fallback:general', 'vip'] }));
  });

  it('given VIPs configured but this customer not among them, then normal', () => {
    given({ customer: { id: 'cus_1' }, settings: withVips('cus_vip') })
      .when('Hello')
      .then((d) => expect(d.priority).toBe('normal'));
  });

  it.each([
    ['en', 'If this is not fixed by Friday my lawyer will contact you.'],
    ['en', 'I am going to sue you for this'],
    ['ru', 'Если не вернёте деньги, я подам в суд'],
    ['ru', 'Мой адвокат уже готовит претензию'],
    ['zh', '我已经联系了律师，准备起诉你们'],
  ])('given a legal threat in %s (%s), then urgent, with the reason naming the language', (lang, text) => {
    given()
      .when(text)
      .then((d) => {
        expect(d.priority).toBe('urgent');
        expect(d.reasons).toContain(`legal-threat:${lang}`);
      });
  });

  it.each([
    ['Hi, this is Sue from accounting', 'a first name'],
    ['Такова судьба, ничего не поделаешь', 'судьба (fate) begins like суд'],
    ['Не могу найти, где искать настройки', 'искать (to search) begins like иск'],
    ['Of course I can wait', 'course contains no word court'],
  ])('given %s (%s), then it is not a legal threat', (text) => {
    given()
      .when(text)
      .then((d) => {
        expect(d.priority).toBe('normal');
        expect(d.reasons.filter((r) => r.startsWith('legal-threat'))).toEqual([]);
      });
  });

  it.each([
    ['en', 'Please cancel my subscription'],
    ['en', 'I want you to close my account today'],
    ['ru', 'Отмените, пожалуйста, мою подписку'],
    ['zh', '我要取消订阅'],
  ])('given a cancellation in %s (%s), then high, with the reason naming the language', (lang, text) => {
    given()
      .when(text)
      .then((d) => {
        expect(d.priority).toBe('high');
        expect(d.reasons).toContain(`cancellation:${lang}`);
      });
  });

  it('given a cancellation and a legal threat (in two languages), then the highest wins and every rule that fired is named', () => {
    given()
      .when('Cancel my account or I will call my lawyer. Иначе подам в суд.')
      .then((d) => {
        expect(d.priority).toBe('urgent');
        expect(d.reasons).toEqual(expect.arrayContaining(['legal-threat:en', 'legal-threat:ru', 'cancellation:en']));
      });
  });

  describe('repeated contact: 3 conversations within 7 days (this one included)', () => {
    const thisOne = NOW;

    it('given two earlier conversations inside the window, then high, with the reason naming the rule', () => {
      given({ conversation: { openedAt: thisOne }, conversationsOpenedAt: [plus(NOW, -6 * DAY), plus(NOW, -2 * DAY), thisOne] })
        .when('Hello again')
        .at(NOW)
        .then((d) => {
          expect(d.priority).toBe('high');
          expect(d.reasons).toContain('repeated-contact:3-in-7d');
        });
    });

    it('given the oldest of them opened exactly 7 days before, then it is still inside the window', () => {
      given({ conversation: { openedAt: thisOne }, conversationsOpenedAt: [plus(NOW, -7 * DAY), plus(NOW, -2 * DAY), thisOne] })
        .when('Hello again')
        .at(NOW)
        .then((d) => expect(d.priority).toBe('high'));
    });

    it('given the oldest of them opened 7 days and a millisecond before, then it is outside and the rule does not fire', () => {
      given({ conversation: { openedAt: thisOne }, conversationsOpenedAt: [plus(NOW, -7 * DAY - 1), plus(NOW, -2 * DAY), thisOne] })
        .when('Hello again')
        .at(NOW)
        .then((d) => {
          expect(d.priority).toBe('normal');
          expect(d.reasons.some((r) => r.startsWith('repeated-contact'))).toBe(false);
        });
    });

    it('given the caller leaves this conversation out of the list, then it is counted anyway (and once when listed)', () => {
      given({ conversation: { openedAt: thisOne }, conversationsOpenedAt: [plus(NOW, -6 * DAY), plus(NOW, -2 * DAY)] })
        .when('Hello again')
        .at(NOW)
        .then((d) => expect(d.priority).toBe('high'));
      given({ conversation: { openedAt: thisOne }, conversationsOpenedAt: [plus(NOW, -2 * DAY), thisOne, thisOne] })
        .when('Hello again')
        .at(NOW)
        .then((d) => expect(d.priority).toBe('normal'));
    });

    it('given conversations opened after the triage time (a replay reading a later projection), then they do not count', () => {
      given({ conversation: { openedAt: thisOne }, conversationsOpenedAt: [plus(NOW, -2 * DAY), thisOne, plus(NOW, DAY)] })
        .when('Hello again')
        .at(NOW)
        .then((d) => expect(d.priority).toBe('normal'));
    });

    it('given a tenant with the rule at 2 in 48h, then the reason says so; given the rule turned off, then it never fires', () => {
      const twoIn48h = triageSettingsSchema.parse({ ...defaultTriageSettingsInput, repeatedContact: { conversations: 2, within: '48h' } });
      given({ settings: twoIn48h, conversation: { openedAt: thisOne }, conversationsOpenedAt: [plus(NOW, -DAY), thisOne] })
        .when('Hello again')
        .at(NOW)
        .then((d) => expect(d.reasons).toContain('repeated-contact:2-in-2d'));
      const off = triageSettingsSchema.parse({ ...defaultTriageSettingsInput, repeatedContact: null });
      given({ settings: off, conversation: { openedAt: thisOne }, conversationsOpenedAt: [plus(NOW, -3 * MINUTE), plus(NOW, -2 * MINUTE), thisOne] })
        .when('Hello again')
        .at(NOW)
        .then((d) => expect(d.priority).toBe('normal'));
    });
  });

  describe('never lower than the conversation’s current priority', () => {
    it('given an urgent conversation (escalated before triage ran) and a cancellation, then it stays urgent, and says it kept it', () => {
      given({ conversation: { priority: 'urgent' } })
        .when('Please cancel my order')
        .then((d) => {
          expect(d.priority).toBe('urgent');
          expect(d.reasons).toEqual(expect.arrayContaining(['cancellation:en', 'kept-priority:urgent']));
        });
    });

    it('given a high conversation and no rule, then it stays high', () => {
      given({ conversation: { priority: 'high' } })
        .when('Hello')
        .then((d) => expect(d).toMatchObject({ priority: 'high', reasons: ['fallback:general', 'kept-priority:high'] }));
    });

    it('given a low conversation (an agent lowered it), then no rule leaves it low, and a rule raises it', () => {
      given({ conversation: { priority: 'low' } })
        .when('Hello')
        .then((d) => expect(d.priority).toBe('low'));
      given({ conversation: { priority: 'low' } })
        .when('I will talk to my attorney')
        .then((d) => {
          expect(d.priority).toBe('urgent');
          expect(d.reasons).not.toContain('kept-priority:low');
        });
    });
  });
});
