/**
 * The workflow jobs a state transition calls for. Job ids are derived from the transition (the
 * conversation and the event that caused it), so folding the same events twice asks for the same
 * jobs and the queue keeps one of each.
 */
export type WorkflowTrigger =
  | { kind: 'triage'; jobId: string; conversationId: string; at: string }
  | { kind: 'sla'; jobId: string; conversationId: string; at: string; waitingSince: string }
  | { kind: 'auto-resolve'; jobId: string; conversationId: string; at: string; dueAt: string }
  | { kind: 'survey'; jobId: string; conversationId: string; at: string; resolvedAt: string };

export type TriggerKind = WorkflowTrigger['kind'];

/** BullMQ reserves ':' in job ids; parts are escaped so distinct parts never give one id. */
const jobId = (...parts: Array<string | number>) => parts.map((p) => encodeURIComponent(String(p))).join('|');

export const jobIds = {
  triage: (conversationId: string) => jobId('triage', conversationId),
  sla: (conversationId: string, causeEventId: string) => jobId('sla', conversationId, causeEventId),
  autoResolve: (conversationId: string, dueAt: string) => jobId('auto-resolve', conversationId, dueAt),
  survey: (conversationId: string, reopenCount: number) => jobId('survey', conversationId, reopenCount),
};
