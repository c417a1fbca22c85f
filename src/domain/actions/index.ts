/** The agents' actions, decided: pure functions of the projection state and the request (see decision.ts). */
export {
  accepted,
  refused,
  type ActionEvent,
  type ActionRefusal,
  type Actor,
  type ConversationDecision,
  type RefusalCode,
  type RefusalOf,
  type Refused,
} from './decision.ts';
export { agentNamed, teamNamed, type Roster } from './roster.ts';
export { decideAssign, type AssignRefusal, type AssignRequest, type AssignState } from './assign.ts';
export { decideTransfer, type TransferRefusal, type TransferRequest, type TransferState } from './transfer.ts';
export { decidePriority, type PriorityRefusal, type PriorityRequest, type PriorityState } from './priority.ts';
export { decideResolve, type ResolveRefusal, type ResolveRequest, type ResolveState } from './resolve.ts';
export { decideReopen, type ReopenRefusal, type ReopenRequest, type ReopenState } from './reopen.ts';
export { decideAgentMessage, type AgentMessage, type AgentMessageRefusal, type AgentMessageRequest, type AgentMessageState } from './message.ts';
export { decideMerge, type MergeEvent, type MergeRefusal, type MergeRequest, type MergeState } from './merge.ts';
export { decideAgentStatus, type AgentStatusRefusal, type AgentStatusRequest, type AgentStatusState } from './agent-status.ts';
