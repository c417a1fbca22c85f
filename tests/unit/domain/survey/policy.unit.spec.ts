import { describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../../events/index.ts';
import { idSchema } from '../../../../events/types/common.ts';
import { defaultSurveySettings, surveySettingsSchema, type SurveySettingsInput } from '../../../../src/domain/survey/config.ts';
import { decideSurvey, surveyIdFor } from '../../../../src/domain/survey/policy.ts';
import { agentReplied, conversationOf, customerWrote, fold, merged, plus, reopened, resolved, surveySent, CUSTOMER, DAY, HOUR, MINUTE } from '../given.ts';
import { conversationView, customerView } from '../../../../src/domain/fold/fold-state.ts';

const T0 = '2026-03-02T09:00:00.000Z';
const R = plus(T0, HOUR); // resolved at 10:00Z
const viaSms = { channel: 'sms', provider: 'twilio', handle: '+14155550100' } as const;

/** A customer who writes by SMS at T0, an agent who answers and resolves at R. */
const m1 = customerWrote('my parcel is lost', T0, { id: 'm1', ...viaSms });
const cv = conversationOf(m1);
const handled = [m1, agentReplied('found it, it arrives tomorrow', plus(T0, 5 * MINUTE), { channel: 'sms', provider: 'twilio' })];

/** An earlier, resolved conversation `daysBefore` days before T0, optionally with a survey sent at `surveyAt`. */
function earlier(daysBefore: number, survey?: { at: string; kind: 'csat' | 'nps' }): AnyEvent[] {
  const m0 = customerWrote('an older question', plus(T0, -daysBefore * DAY), { id: `m0-${daysBefore}`, ...viaSms });
  const cv0 = conversationOf(m0);
  const events: AnyEvent[] = [m0, resolved(cv0, plus(T0, -daysBefore * DAY + HOUR))];
  if (survey) events.push(surveySent(cv0, survey.at, `sv-old-${survey.kind}`, { kind: survey.kind, channel: 'sms' }));
  return events;
}

function decide(events: AnyEvent[], opts: { resolvedAt?: string; now?: string; settings?: SurveySettingsInput } = {}) {
  const { state } = fold(events);
  const settings = opts.settings ? surveySettingsSchema.parse(opts.settings) : defaultSurveySettings;
  return decideSurvey(conversationView(state.conversations[cv]!), customerView(state.customer!), opts.resolvedAt ?? R, opts.now ?? R, settings);
}

describe('given a new customer whose SMS conversation an agent resolved at 10:00', () => {
  const events = [...handled, resolved(cv, R)];

  it('when the survey job runs at the resolution, then a CSAT goes out on SMS an hour later, with an id made of conversation, resolution and kind', () => {
    expect(decide(events)).toEqual({ kind: 'send', survey: { kind: 'csat', channel: 'sms', surveyId: `sv_csat_0_${cv}` }, at: '2026-03-02T11:00:00.000Z' });
  });

  it('when the tenant sends SMS surveys right away, then it goes out at the resolution', () => {
    expect(decide(events, { settings: { csat: { delayByChannel: { sms: '0s' } } } })).toMatchObject({ kind: 'send', at: R });
  });

  it('when the tenant surveys e-mail only, then the SMS customer gets none', () => {
    expect(decide(events, { settings: { channels: ['email'] } })).toEqual({ kind: 'skip', reason: 'channel-not-surveyed' });
  });

  it('when an agent reopened it before the invitation went out, then it is skipped', () => {
    expect(decide([...events, reopened(cv, plus(R, 10 * MINUTE))], { now: plus(R, HOUR) })).toEqual({ kind: 'skip', reason: 'reopened' });
  });

  it('when the customer wrote again before the invitation went out (a new conversation), then it is skipped', () => {
    const wroteAgain = [...events, customerWrote('one more thing', plus(R, 10 * MINUTE), viaSms)];
    expect(decide(wroteAgain, { now: plus(R, HOUR) })).toEqual({ kind: 'skip', reason: 'customer-wrote-again' });
  });

  it('when it was reopened and resolved again since, then this resolution’s job skips (the later one has its own)', () => {
    const again = [...events, reopened(cv, plus(R, 10 * MINUTE)), resolved(cv, plus(R, 20 * MINUTE))];
    expect(decide(again, { now: plus(R, HOUR) })).toEqual({ kind: 'skip', reason: 'superseded' });
    expect(decide(again, { resolvedAt: plus(R, 20 * MINUTE), now: plus(R, HOUR) })).toMatchObject({ kind: 'send', survey: { surveyId: `sv_csat_1_${cv}` } });
  });

  it('when CSAT and NPS are both switched off, then nothing goes out', () => {
    expect(decide(events, { settings: { csat: { enabled: false }, nps: { enabled: false } } })).toEqual({ kind: 'skip', reason: 'disabled' });
    expect(decide(events, { settings: { csat: { enabled: false } } })).toEqual({ kind: 'skip', reason: 'not-due' });
  });

  it('when the customer was merged into another, then it is skipped', () => {
    expect(decide([...events, merged(plus(R, MINUTE), { survivor: 'cus_other', absorbed: CUSTOMER })])).toEqual({ kind: 'skip', reason: 'customer-merged' });
  });
});

describe('given resolutions nobody on our side made', () => {
  it('when the conversation went quiet and was resolved for inactivity, then by default there is no survey', () => {
    const quiet = [...handled, resolved(cv, plus(T0, DAY + 5 * MINUTE), { reason: 'inactivity' })];
    expect(decide(quiet, { resolvedAt: plus(T0, DAY + 5 * MINUTE) })).toEqual({ kind: 'skip', reason: 'resolution-not-surveyed' });
  });

  it('when a bot resolved it, then by default there is no survey (a system resolution)', () => {
    expect(decide([...handled, resolved(cv, R, { reason: 'bot', by: { kind: 'bot', id: 'faq-bot' } })])).toEqual({ kind: 'skip', reason: 'resolution-not-surveyed' });
  });

  it('when the tenant surveys every resolution, then the inactivity one gets a CSAT too', () => {
    const quiet = [...handled, resolved(cv, plus(T0, DAY + 5 * MINUTE), { reason: 'inactivity' })];
    expect(decide(quiet, { resolvedAt: plus(T0, DAY + 5 * MINUTE), settings: { skipWhenResolvedBy: [] } })).toMatchObject({ kind: 'send', survey: { kind: 'csat' } });
  });

  it('when we wrote first and the customer never answered, then there is no channel we know they read', () => {
    const outbound = agentReplied('Your refund was issued', T0, { id: 'out1' });
    const { state } = fold([outbound, resolved(conversationOf(outbound), R)]);
    expect(decideSurvey(conversationView(state.conversations[conversationOf(outbound)]!), customerView(state.customer!), R, R, defaultSurveySettings)).toEqual({ kind: 'skip', reason: 'no-reply-channel' });
  });
});

describe('given the CSAT throttle of 7 days (the invitation would go out at 11:00)', () => {
  const resolvedNow = [...handled, resolved(cv, R)];
  const sevenDaysBeforeSending = plus(R, HOUR - 7 * DAY);

  it('when the last CSAT went out exactly 7 days before, then this one may go', () => {
    expect(decide([...earlier(10, { at: sevenDaysBeforeSending, kind: 'csat' }), ...resolvedNow])).toMatchObject({ kind: 'send', survey: { kind: 'csat' } });
  });

  it('when the last CSAT went out 7 days minus a millisecond before, then it is throttled', () => {
    expect(decide([...earlier(10, { at: plus(sevenDaysBeforeSending, 1), kind: 'csat' }), ...resolvedNow])).toEqual({ kind: 'skip', reason: 'throttled' });
  });

  it('when the job runs late, then the window is judged when the invitation actually goes out', () => {
    expect(decide([...earlier(10, { at: plus(sevenDaysBeforeSending, 1), kind: 'csat' }), ...resolvedNow], { now: plus(R, HOUR + 1) })).toMatchObject({ kind: 'send' });
  });

  it('when the tenant throttles to 1 day, then a CSAT 2 days ago does not hold this one back', () => {
    expect(decide([...earlier(10, { at: plus(T0, -2 * DAY), kind: 'csat' }), ...resolvedNow], { settings: { csat: { throttle: '1d' } } })).toMatchObject({ kind: 'send' });
  });
});

describe('given a conversation that already had its CSAT', () => {
  it('when the invitation is folded back, then asking again for the same resolution skips, and so does the resolution after a reopen', () => {
    const first = decide([...handled, resolved(cv, R)]);
    if (first.kind !== 'send') throw new Error('expected a survey');
    const sent = surveySent(cv, first.at, first.survey.surveyId, { kind: first.survey.kind, channel: first.survey.channel });
    const afterSending = [...handled, resolved(cv, R), sent];
    expect(customerView(fold(afterSending).state.customer!).lastSurveyAt.csat).toBe(first.at);
    expect(decide(afterSending, { now: first.at })).toEqual({ kind: 'skip', reason: 'already-surveyed' });

    const reopenedLater = [...afterSending, reopened(cv, plus(R, 8 * DAY)), resolved(cv, plus(R, 8 * DAY + HOUR))];
    expect(decide(reopenedLater, { resolvedAt: plus(R, 8 * DAY + HOUR), now: plus(R, 8 * DAY + HOUR) })).toEqual({ kind: 'skip', reason: 'already-surveyed' });
  });
});

describe('given NPS every 90 days for customers who have known us for 30 days', () => {
  const resolvedNow = [...handled, resolved(cv, R)];
  const ninetyDaysBeforeSending = plus(R, HOUR - 90 * DAY);

  it('when a customer of 40 days never had one, then this resolution gets NPS instead of CSAT', () => {
    expect(decide([...earlier(40), ...resolvedNow])).toEqual({ kind: 'send', survey: { kind: 'nps', channel: 'sms', surveyId: `sv_nps_0_${cv}` }, at: '2026-03-02T11:00:00.000Z' });
  });

  it('when the customer is 29 days old, then it is CSAT (a first contact is asked about the contact)', () => {
    expect(decide([...earlier(29), ...resolvedNow])).toMatchObject({ kind: 'send', survey: { kind: 'csat' } });
  });

  it('when the last NPS went out exactly 90 days before, then NPS is due again', () => {
    expect(decide([...earlier(100, { at: ninetyDaysBeforeSending, kind: 'nps' }), ...resolvedNow])).toMatchObject({ kind: 'send', survey: { kind: 'nps' } });
  });

  it('when the last NPS went out 90 days minus a millisecond before, then it is not due and CSAT goes instead', () => {
    expect(decide([...earlier(100, { at: plus(ninetyDaysBeforeSending, 1), kind: 'nps' }), ...resolvedNow])).toMatchObject({ kind: 'send', survey: { kind: 'csat' } });
  });

  it('when NPS is switched off, then the long-standing customer gets CSAT', () => {
    expect(decide([...earlier(40), ...resolvedNow], { settings: { nps: { enabled: false } } })).toMatchObject({ kind: 'send', survey: { kind: 'csat' } });
  });
});

describe('given survey ids', () => {
  it('when asked twice for the same conversation, resolution and kind, then the id is the same; any of them differing, it differs', () => {
    expect(surveyIdFor('cv_m1', 0, 'csat')).toBe(surveyIdFor('cv_m1', 0, 'csat'));
    const ids = new Set([surveyIdFor('cv_m1', 0, 'csat'), surveyIdFor('cv_m1', 1, 'csat'), surveyIdFor('cv_m1', 0, 'nps'), surveyIdFor('cv_m2', 0, 'csat')]);
    expect(ids.size).toBe(4);
  });

  it('when the conversation id is very long, then the survey id is a stable hash within the 256-character limit of survey.sent', () => {
    const long = `cv_${'x'.repeat(300)}`;
    const id = surveyIdFor(long, 2, 'nps');
    expect(id).toMatch(/^sv_nps_2_h[0-9a-f]{16}$/);
    expect(idSchema.safeParse(id).success).toBe(true);
    expect(surveyIdFor(long, 2, 'nps')).toBe(id);
    expect(surveyIdFor(`${long}y`, 2, 'nps')).not.toBe(id);
  });
});
