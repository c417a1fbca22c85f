import type { FastifyInstance } from 'fastify';
import { createEvent, deterministicEventId } from '../../../events/index.ts';
import type { EventLog } from '../../log/event-log.ts';
import { readSurveyToken } from '../../surveys/links.ts';
import { sendError } from '../../http/errors.ts';
import { PUBLIC } from '../../http/route-access.ts';

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;text-align:center"><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * `GET /v1/surveys/answer?t=<token>&score=<n>`: the score links of an e-mail survey. The token is
 * signed by the workflow that sent the invitation, so no API key is needed; it names the survey.
 * The first answer counts (the fold keeps it); clicking again changes nothing and says thanks again.
 */
export function surveyAnswerRoutes(app: FastifyInstance, deps: { eventLog: EventLog; linkSecret: string; now?: () => Date }): void {
  app.get<{ Querystring: { t?: string; score?: string } }>('/v1/surveys/answer', { config: PUBLIC }, async (request, reply) => {
    const claim = request.query.t ? readSurveyToken(deps.linkSecret, request.query.t) : null;
    if (!claim) return sendError(reply, 400, 'bad_survey_link', 'this survey link is not valid (it may be cut short: open the whole link from the e-mail)');
    const score = Number(request.query.score);
    const range = claim.kind === 'csat' ? [1, 5] : [0, 10];
    if (!Number.isInteger(score) || score < range[0]! || score > range[1]!) {
      return sendError(reply, 400, 'bad_score', `a ${claim.kind.toUpperCase()} score is a whole number from ${range[0]} to ${range[1]}`);
    }
    const event = createEvent({
      type: 'survey.answered',
      // One event per survey and score: a double click is the same event; another score is a second answer (the fold keeps the first).
      id: deterministicEventId(claim.tenant, 'survey-link', claim.surveyId, String(score)),
      source: '/survey-link',
      tenant: claim.tenant,
      customer: claim.customer,
      conversation: claim.conversation,
      time: (deps.now?.() ?? new Date()).toISOString(),
      data: { surveyId: claim.surveyId, kind: claim.kind, score },
    });
    await deps.eventLog.append([event]);
    return reply.type('text/html; charset=utf-8').send(page('Thank you!', 'Your answer helps us get better.'));
  });
}
