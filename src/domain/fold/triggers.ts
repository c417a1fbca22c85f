/**
 * The workflow jobs a state transition calls for. Job ids are derived from the transition (the
 * conversation and the event that caused it), so folding the same events twice asks for the same
 * jobs and the queue keeps one of each. Timers (auto-resolve, SLA) are not triggers: they are
 * projection state (see timers.ts).
 */
export type WorkflowTrigger =
  /** A customer opened a conversation: classify it. */
  | { kind: 'triage'; jobId: string; conversationId: string; at: string }
  /** The conversation needs people (triaged, sent back to a queue): the bot's turn, then the team queue drain. */
  | { kind: 'route'; jobId: string; conversationId: string; at: string }
  /** Capacity freed (a resolution, a transfer away, an agent online or given more seats): drain the tenant's queues. */
  | { kind: 'drain'; jobId: string; conversationId: string; at: string }
  /** The customer wrote to a conversation the bot holds: answer again or hand off. */
  | { kind: 'bot'; jobId: string; conversationId: string; at: string }
  /** Resolved: the survey policy decides whether and when to ask. */
  | { kind: 'survey'; jobId: string; conversationId: string; at: string; resolvedAt: string }
  /** A survey got its score (a digit reply or the e-mail link): publish it, follow up a low one. */
  | { kind: 'survey-answered'; jobId: string; conversationId: string; at: string; surveyId: string; score: number; byReply: boolean };

export type TriggerKind = WorkflowTrigger['kind'];

/** BullMQ reserves ':' in job ids; parts are escaped so distinct parts never give one id. */
export const jobId = (...parts: Array<string | number>) => parts.map((p) => encodeURIComponent(String(p))).join('|');

export const jobIds = {
  triage: (conversationId: string) => jobId('triage', conversationId),
  route: (conversationId: string, causeEventId: string) => jobId('route', conversationId, causeEventId),
  drain: (causeEventId: string) => jobId('drain', causeEventId),
  bot: (conversationId: string, causeEventId: string) => jobId('bot', conversationId, causeEventId),
  survey: (conversationId: string, reopenCount: number) => jobId('survey', conversationId, reopenCount),
  surveyAnswered: (surveyId: string) => jobId('survey-answered', surveyId),
};
