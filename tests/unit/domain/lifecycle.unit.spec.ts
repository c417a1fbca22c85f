import { describe, expect, it } from 'vitest';
import { jobIds } from '../../../src/domain/fold/triggers.ts';
import {
  CUSTOMER,
  HOUR,
  MINUTE,
  agentReplied,
  assigned,
  customerWrote,
  escalated,
  given,
  merged,
  plus,
  priorityChanged,
  reopened,
  resolved,
  slaBreached,
  surveyAnswered,
  surveySent,
  transferred,
  triaged,
} from './given.ts';

const T0 = '2026-01-05T09:00:00.000Z';
const at = (minutes: number) => plus(T0, minutes * MINUTE);
const m1 = customerWrote('Mein Paket ist nicht angekommen', T0, { id: 'm1', language: 'de' });
const cv = 'cv_m1';

describe('triage, assignment and routing', () => {
  it('triaged sets category, priority, language and team', () => {
    given(m1)
      .when(triaged(cv, at(1), { category: 'refund', priority: 'high', language: 'de-AT', team: 'billing' }))
      .then(({ open, effects }) => {
        expect(open()).toMatchObject({ category: 'refund', priority: 'high', language: 'de-AT', team: 'billing' });
        expect([...effects.changedConversations]).toEqual([cv]);
      });
  });

  it('a triage that could not tell the language (null) keeps the one the message declared', () => {
    given(m1)
      .when(triaged(cv, at(1), { category: 'general', priority: 'normal', language: null, team: null }))
      .then(({ open }) => expect(open()).toMatchObject({ language: 'de', team: null, category: 'general' }));
  });

  it('assigned sets the assignee (and team) and remembers the agent for sticky routing', () => {
    given(m1)
      .when(assigned(cv, at(2), 'agent-7', { team: 'billing' }))
      .then(({ open, customer }) => {
        expect(open()).toMatchObject({ assignee: 'agent-7', team: 'billing' });
        expect(customer().lastAssignee).toBe('agent-7');
      });
  });

  it('transferred to a team clears the agent, and the last assignee is still remembered', () => {
    given(m1, assigned(cv, at(2), 'agent-7', { team: 'billing' }))
      .when(transferred(cv, at(3), { team: 'tier2' }))
      .then(({ open, customer }) => {
        expect(open()).toMatchObject({ assignee: null, team: 'tier2' });
        expect(customer().lastAssignee).toBe('agent-7');
      });
  });

  it('transferred to an agent keeps the team and makes that agent the last assignee', () => {
    given(m1, assigned(cv, at(2), 'agent-7', { team: 'billing' }))
      .when(transferred(cv, at(3), { agent: 'agent-9' }))
      .then(({ open, customer }) => {
        expect(open()).toMatchObject({ assignee: 'agent-9', team: 'billing' });
        expect(customer().lastAssignee).toBe('agent-9');
      });
  });

  it('escalated raises the priority (and moves the team when the rung does)', () => {
    given(m1, triaged(cv, at(1), { priority: 'normal', team: 'billing' }))
      .when(escalated(cv, at(60), 'high', { team: 'supervisors' }))
      .then(({ open }) => expect(open()).toMatchObject({ priority: 'high', team: 'supervisors' }));
  });

  it('escalated never lowers the priority', () => {
    given(m1, priorityChanged(cv, at(1), 'urgent'))
      .when(escalated(cv, at(60), 'high'))
      .then(({ open }) => expect(open().priority).toBe('urgent'));
  });

  it('priority_changed sets the priority, up or down', () => {
    given(m1, priorityChanged(cv, at(1), 'urgent'))
      .when(priorityChanged(cv, at(2), 'low'))
      .then(({ open }) => expect(open().priority).toBe('low'));
  });
});

describe('resolution, reopening and surveys', () => {
  const replied = agentReplied('It ships today', at(5));

  it('resolved by an agent: resolution recorded, no longer open, a survey asked for', () => {
    given(m1, replied)
      .when(resolved(cv, at(10), { by: { kind: 'agent', id: 'agent-7' } }))
      .then(({ conversation, customer, triggers }) => {
        expect(conversation(cv)).toMatchObject({ status: 'resolved', resolvedAt: at(10), resolution: { by: 'agent', actorId: 'agent-7' } });
        expect(customer().openConversationId).toBeNull();
        expect(triggers()).toEqual([{ kind: 'survey', jobId: jobIds.survey(cv, 0), conversationId: cv, at: at(10), resolvedAt: at(10) }]);
      });
  });

  it('resolvedAt comes from the event data, normalised', () => {
    given(m1, replied)
      .when(resolved(cv, at(12), { resolvedAt: '2026-01-05T10:10:00+01:00' }))
      .then(({ conversation }) => expect(conversation(cv).resolvedAt).toBe(at(10)));
  });

  it('resolving a resolved conversation changes nothing', () => {
    given(m1, replied, resolved(cv, at(10)))
      .when(resolved(cv, at(11), { reason: 'customer', by: { kind: 'customer', id: CUSTOMER } }))
      .then(({ conversation, triggers }) => {
        expect(conversation(cv)).toMatchObject({ resolvedAt: at(10), resolution: { by: 'agent', actorId: 'agent-1' } });
        expect(triggers()).toEqual([]);
      });
  });

  it('reopened: open again, reopenCount + 1, the customer’s open conversation, with fresh timers', () => {
    given(m1, replied, resolved(cv, at(10)))
      .when(reopened(cv, at(60), { id: 'r1' }))
      .then(({ open, timers }) => {
        expect(open()).toMatchObject({ id: cv, status: 'open', reopenCount: 1, resolvedAt: null, resolution: null, lastActivityAt: at(60) });
        expect(timers(cv, 'auto-resolve').map((t) => t.at)).toEqual([plus(at(60), 24 * HOUR)]);
        expect(open().sla.waitingSince).toBe(at(60));
      });
  });

  it('the next resolution of a reopened conversation asks for a survey with a different job id', () => {
    given(m1, replied, resolved(cv, at(10)), reopened(cv, at(60)))
      .when(resolved(cv, at(90)))
      .then(({ triggers }) => {
        const [survey] = triggers('survey');
        expect(survey).toEqual({ kind: 'survey', jobId: jobIds.survey(cv, 1), conversationId: cv, at: at(90), resolvedAt: at(90) });
        expect(survey!.jobId).not.toBe(jobIds.survey(cv, 0));
      });
  });

  it('reopening while another conversation is open resolves the other one', () => {
    const m2 = customerWrote('Different topic', at(30), { id: 'm2' });
    given(m1, replied, resolved(cv, at(10)), m2)
      .when(reopened(cv, at(60)))
      .then(({ conversation, customer, triggers }) => {
        expect(conversation('cv_m2')).toMatchObject({ status: 'resolved', resolvedAt: at(60), resolution: { by: 'system', actorId: null } });
        expect(customer().openConversationId).toBe(cv);
        expect(conversation(cv).status).toBe('open');
        expect(triggers('survey').map((t) => t.conversationId)).toEqual(['cv_m2']);
      });
  });

  it('reopening a conversation that is not resolved changes nothing', () => {
    given(m1)
      .when(reopened(cv, at(1)))
      .then(({ open, triggers }) => {
        expect(open().reopenCount).toBe(0);
        expect(triggers()).toEqual([]);
      });
  });

  it('sla.breached records each metric once', () => {
    given(m1)
      .when(slaBreached(cv, at(60), 'firstResponse'), slaBreached(cv, at(61), 'firstResponse'), slaBreached(cv, at(240), 'resolution'))
      .then(({ open }) => expect(open().sla.breached).toEqual(['firstResponse', 'resolution']));
  });

  it('survey.sent then survey.answered records the score once; a second answer does not change it', () => {
    given(m1, replied, resolved(cv, at(10)), surveySent(cv, at(70), 'sv1'))
      .when(surveyAnswered(cv, at(80), 'sv1', 4), surveyAnswered(cv, at(85), 'sv1', 1))
      .then(({ conversation }) => {
        expect(conversation(cv).surveys).toEqual([{ id: 'sv1', kind: 'csat', channel: 'email', sentAt: at(70), score: 4, answeredAt: at(80) }]);
      });
  });

  it('survey.sent records when the customer was last surveyed (for throttling), once per survey', () => {
    given(m1, replied, resolved(cv, at(10)))
      .when(surveySent(cv, at(70), 'sv1', { kind: 'nps' }), surveySent(cv, at(75), 'sv1', { kind: 'nps' }))
      .then(({ conversation, customer }) => {
        expect(conversation(cv).surveys).toHaveLength(1);
        expect(customer().lastSurveyAt).toEqual({ csat: null, nps: at(70) });
      });
  });

  it('an answer to a survey that was never sent is ignored', () => {
    given(m1, replied, resolved(cv, at(10)))
      .when(surveyAnswered(cv, at(80), 'sv-unknown', 5))
      .then(({ conversation }) => expect(conversation(cv).surveys).toEqual([]));
  });
});

describe('customer merges', () => {
  it('on the absorbed customer’s side, sets mergedInto', () => {
    given(m1)
      .when(merged(at(1), { survivor: 'cus_survivor', absorbed: CUSTOMER }))
      .then(({ customer }) => expect(customer()).toMatchObject({ mergedInto: 'cus_survivor', mergedFrom: [] }));
  });

  it('on the survivor’s side, adds the absorbed customer to mergedFrom, once', () => {
    given(m1)
      .when(merged(at(1), { survivor: CUSTOMER, absorbed: 'cus_old' }), merged(at(2), { survivor: CUSTOMER, absorbed: 'cus_old' }), merged(at(3), { survivor: CUSTOMER, absorbed: 'cus_older' }))
      .then(({ customer }) => expect(customer()).toMatchObject({ mergedInto: null, mergedFrom: ['cus_old', 'cus_older'] }));
  });
});
