/**
 * The API as the console uses it. Every request goes to the page's own origin with the session
 * cookie, so the browser sends `Origin` on a change (the API refuses a signed-in change without
 * it). A refusal throws an ApiError carrying the API's `{error, message}`.
 */

import type { KpiFigures } from '../../src/domain/kpi/figures.ts';
import type { GroupKey } from '../../src/domain/kpi/groups.ts';
import type { Identity, SurveyRecord } from '../../src/domain/state.ts';

export type { Identity, SurveyRecord };

export type Role = 'agent' | 'supervisor' | 'admin';
/** The engine's channels; WhatsApp, Messenger and Instagram are `social`, told apart by provider. */
export type Channel = 'email' | 'chat' | 'sms' | 'social';
export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export type Presence = 'online' | 'away' | 'offline';
export const PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low'];
export const CHANNELS: readonly Channel[] = ['email', 'chat', 'sms', 'social'];

export interface Account {
  id: string;
  tenant: string;
  email: string;
  name: string;
  role: Role;
  agent: string | null;
  /** en, ru or zh; absent from servers before languages. */
  language?: string;
  /** An IANA zone such as Europe/Moscow. */
  timeZone?: string;
}

export type Principal =
  | { kind: 'person'; tenant: string; account: string; role: Role; agent: string | null }
  | { kind: 'key'; tenant: string; key: string; scopes: string[] };

export interface Session {
  principal: Principal;
  permissions: string[];
  account?: Account;
  /** The person's teams (their agent's, from the routing settings); absent from older servers. */
  teams?: string[];
}

export interface Sla {
  firstResponseDueAt: string | null;
  nextResponseDueAt: string | null;
  resolutionDueAt: string | null;
  breached: string[];
  waitingSince: string | null;
}

export interface ConversationSummary {
  id: string;
  customer: string;
  status: 'open' | 'pending' | 'resolved';
  channels: Channel[];
  subject: string | null;
  category: string | null;
  priority: Priority;
  language: string | null;
  team: string | null;
  assignee: string | null;
  openedAt: string;
  lastActivityAt: string;
  resolvedAt: string | null;
  messageCount: number;
  sla: Sla;
  /** The customer's latest identity, where replies go: lists show the customer by its handle. */
  replyTo: { channel: Channel; provider: string; handle: string } | null;
}

export interface Conversation extends ConversationSummary {
  handoff: string | null;
  surveys?: SurveyRecord[];
  bot?: 'answering' | 'handed-off' | null;
}

export type DeliveryStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

/** A file on a line: `key` once the bytes are with us (download it), `unavailable` when they never will be, neither while fetching. */
export type { TranscriptAttachment } from '../../src/domain/state.ts';
import type { TranscriptAttachment } from '../../src/domain/state.ts';

export interface TranscriptEntry {
  eventId: string;
  at: string;
  direction: 'in' | 'out';
  channel: Channel;
  provider: string;
  author: { kind: 'customer' | 'agent' | 'bot' | 'system'; id: string };
  text: string;
  subject?: string;
  internal?: boolean;
  attachments?: TranscriptAttachment[];
  /** Outbound messages: our id, and what the outbound connector and the provider reported of it. */
  messageId?: string;
  delivery?: { status: DeliveryStatus; at: string; error?: string };
}

export interface ConversationView {
  conversation: Conversation;
  transcript: TranscriptEntry[];
}

export interface CustomerView {
  customer: { id: string; identities: Identity[]; conversationIds: string[]; mergedInto: string | null; mergedFrom: string[]; firstSeenAt: string; lastSeenAt: string };
  mergedInto?: string;
  conversations: ConversationSummary[];
}

export interface AgentView {
  id: string;
  name: string;
  teams: string[];
  status: Presence;
  since: string | null;
  capacity: Record<Channel, number>;
  load: Record<Channel, number>;
}

export interface CannedResponse {
  id: string;
  shortcut: string;
  title: string;
  text: string;
  updatedAt: string;
  updatedBy?: string;
}

/** The KPI report's figures and a group's key: the domain's own types (Vite strips them; no server code is bundled). */
export type { KpiFigures } from '../../src/domain/kpi/figures.ts';
export type { GroupKey } from '../../src/domain/kpi/groups.ts';

export interface KpiReport {
  total: KpiFigures;
  groups: Array<{ key: GroupKey } & KpiFigures>;
}

/** A conversation behind a KPI figure: how much it adds to the number, and its own value (`valueField`). */
export type KpiConversation = ConversationSummary & { counted: number } & Record<string, unknown>;

export interface KpiBehind {
  figure: string;
  number: number;
  total: number;
  valueField: string | null;
  conversations: KpiConversation[];
}

export interface Accepted {
  eventId: string;
}

/** What an erasure did (`POST /v1/customers/:id/erase`); `again` when it had been done before and is only reported. */
export interface Erasure {
  customer: string;
  /** Everyone erased with it: the customers merged with it are one person. */
  people: string[];
  keysDestroyed: number;
  filesDeleted: number;
  erasedAt: string;
  again: boolean;
}

/** A file uploaded for a reply (`POST /v1/attachments`): the reply names it by `key`. */
export interface UploadedFile {
  key: string;
  filename: string;
  contentType: string;
  size: number;
}

/** A refused request: the HTTP status and the API's stable `error` code and `message` for people. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let onSignedOut: (() => void) | null = null;

/** Called when the API answers 401 to anything but sign-in: the session has ended. */
export function whenSignedOut(handler: (() => void) | null): void {
  onSignedOut = handler;
}

export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      // Under the page's own policy (the API's Referrer-Policy: no-referrer) the Fetch standard
      // sends `Origin: null` with a change, which the API refuses; same-origin sends the page's
      // origin to itself (and still no referrer anywhere else).
      referrerPolicy: 'same-origin',
      // A form (an upload) goes as the browser encodes it, with its own multipart boundary.
      headers: { accept: 'application/json', ...(body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data ?? {}) as { error?: unknown; message?: unknown };
    const failure = new ApiError(
      response.status,
      typeof error.error === 'string' ? error.error : `http_${response.status}`,
      typeof error.message === 'string' ? error.message : `The server answered ${response.status} ${response.statusText}`.trim(),
    );
    if (response.status === 401 && path !== '/v1/session') onSignedOut?.();
    throw failure;
  }
  return data as T;
}

const id = (value: string) => encodeURIComponent(value);

const q = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  return search.size ? `?${search}` : '';
};

export const api = {
  session: () => request<Session>('GET', '/v1/session'),
  signIn: (input: { tenant: string; email: string; password: string }) => request<{ account: Account }>('POST', '/v1/session', input),
  signOut: () => request<void>('DELETE', '/v1/session'),
  preferences: (input: { language?: string; timeZone?: string }) => request<{ account: Account }>('PATCH', '/v1/session/preferences', input),

  mine: (agent: string) => request<{ agent: string; conversations: ConversationSummary[] }>('GET', `/v1/agents/${id(agent)}/conversations`),
  queue: (team: string) => request<{ team: string; conversations: ConversationSummary[] }>('GET', `/v1/queues/${id(team)}`),
  conversation: (conversation: string) => request<ConversationView>('GET', `/v1/conversations/${id(conversation)}`),
  customer: (customer: string) => request<CustomerView>('GET', `/v1/customers/${id(customer)}${q({ limit: '1' })}`),
  customerByHandle: (handle: string) => request<CustomerView>('GET', `/v1/customers${q({ handle, limit: '1' })}`),

  reply: (conversation: string, text: string, to?: { channel: Channel; handle: string }, files: UploadedFile[] = []) =>
    request<Accepted>('POST', `/v1/conversations/${id(conversation)}/messages`, {
      text,
      ...(to ? { to } : {}),
      ...(files.length > 0 ? { attachments: files.map(({ key, filename, contentType }) => ({ key, filename, contentType })) } : {}),
    }),
  upload: (file: File) => {
    const form = new FormData();
    form.append('file', file, file.name);
    return request<UploadedFile>('POST', '/v1/attachments', form);
  },
  note: (conversation: string, text: string) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/notes`, { text }),
  assign: (conversation: string, agent: string) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/assign`, { agent }),
  transfer: (conversation: string, to: { toAgent?: string | null; toTeam?: string | null; reason?: string }) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/transfer`, to),
  priority: (conversation: string, priority: Priority) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/priority`, { priority }),
  resolve: (conversation: string) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/resolve`, {}),
  reopen: (conversation: string) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/reopen`, {}),
  merge: (survivor: string, from: string) => request<Accepted>('POST', `/v1/customers/${id(survivor)}/merge`, { from }),
  erase: (customer: string) => request<Erasure>('POST', `/v1/customers/${id(customer)}/erase`, {}),

  agents: () => request<AgentView[]>('GET', '/v1/agents'),
  agent: (agent: string) => request<AgentView>('GET', `/v1/agents/${id(agent)}`),
  setPresence: (agent: string, status: Presence, capacity?: Partial<Record<Channel, number | null>>) =>
    request<Accepted>('PUT', `/v1/agents/${id(agent)}/status`, capacity ? { status, capacity } : { status }),

  kpis: (groupBy: string) => request<KpiReport>('GET', `/v1/kpis${q({ groupBy })}`),
  kpiConversations: (figure: string, group: GroupKey | null) =>
    request<KpiBehind>('GET', `/v1/kpis/conversations${q({ figure, group: group ? JSON.stringify(group) : undefined })}`),

  canned: () => request<{ responses: CannedResponse[] }>('GET', '/v1/canned-responses'),
  createCanned: (input: { shortcut: string; title: string; text: string }) => request<{ response: CannedResponse }>('POST', '/v1/canned-responses', input),
  changeCanned: (canned: string, input: Partial<{ shortcut: string; title: string; text: string }>) => request<{ response: CannedResponse }>('PATCH', `/v1/canned-responses/${id(canned)}`, input),
  deleteCanned: (canned: string) => request<void>('DELETE', `/v1/canned-responses/${id(canned)}`),
};

/** What to show for a failure: the API's message, or the error's own. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
