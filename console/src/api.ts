/**
 * The API as the console uses it. Every request goes to the page's own origin with the session
 * cookie, so the browser sends `Origin` on a change (the API refuses a signed-in change without
 * it). A refusal throws an ApiError carrying the API's `{error, message}`.
 */

export type Role = 'agent' | 'supervisor' | 'admin';
export type Channel = 'email' | 'sms' | 'whatsapp' | 'messenger' | 'instagram' | 'chat' | string;
export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export interface Account {
  id: string;
  tenant: string;
  email: string;
  name: string;
  role: Role;
  agent: string | null;
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
  status: 'open' | 'pending' | 'resolved' | string;
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
}

export interface Conversation extends ConversationSummary {
  replyTo: { channel: Channel; provider: string; handle: string } | null;
  handoff: string | null;
}

export interface TranscriptEntry {
  eventId: string;
  at: string;
  direction: 'in' | 'out';
  channel: Channel;
  provider: string;
  author: { kind: 'customer' | 'agent' | 'bot' | 'system' | string; id: string };
  text: string;
  subject?: string;
  internal?: boolean;
  attachments?: number;
}

export interface ConversationView {
  conversation: Conversation;
  transcript: TranscriptEntry[];
}

export interface Accepted {
  eventId: string;
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
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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

export const api = {
  session: () => request<Session>('GET', '/v1/session'),
  signIn: (input: { tenant: string; email: string; password: string }) => request<{ account: Account }>('POST', '/v1/session', input),
  signOut: () => request<void>('DELETE', '/v1/session'),
  mine: (agent: string) => request<{ agent: string; conversations: ConversationSummary[] }>('GET', `/v1/agents/${id(agent)}/conversations`),
  queue: (team: string) => request<{ team: string; conversations: ConversationSummary[] }>('GET', `/v1/queues/${id(team)}`),
  conversation: (conversation: string) => request<ConversationView>('GET', `/v1/conversations/${id(conversation)}`),
  reply: (conversation: string, text: string) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/messages`, { text }),
  note: (conversation: string, text: string) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/notes`, { text }),
  assign: (conversation: string, agent: string) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/assign`, { agent }),
  resolve: (conversation: string) => request<Accepted>('POST', `/v1/conversations/${id(conversation)}/resolve`, {}),
};

/** What to show for a failure: the API's message, or the error's own. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
