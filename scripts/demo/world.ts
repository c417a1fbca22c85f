/** What the demo's customers and agents share: the deployment, the customers' devices, the API, the counters and the console. */
import type { smtpClient } from '../sim/doors.ts';
import type { Deployment } from './deployment.ts';
import type { Inboxes } from './inbox.ts';

export interface Counters {
  customersStarted: number;
  customersDone: number;
  botAnswers: number;
  agentReplies: number;
  notes: number;
  transfers: number;
  supervisorAssigns: number;
  resolvedByAgents: number;
  surveysAnswered: number;
  gaveUp: number;
}

export interface World {
  deployment: Deployment;
  inboxes: Inboxes;
  mail: ReturnType<typeof smtpClient>;
  counters: Counters;
  /** The handles customers wrote from (e-mail, phone, visitor token): the summary looks them up. */
  handles: string[];
  /** Customers under way -> what they wait for (printed if time runs out). */
  waiting: Map<string, string>;
  /** Seconds since the traffic started. */
  elapsed(): number;
  /** One progress line. */
  say(line: string): void;
  /** A JSON request to the /v1 API with the tenant's key. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Resolves after `ms`, or at once once the run is stopping. */
  sleep(ms: number): Promise<void>;
  stopping: boolean;
}

export const newCounters = (): Counters => ({
  customersStarted: 0,
  customersDone: 0,
  botAnswers: 0,
  agentReplies: 0,
  notes: 0,
  transfers: 0,
  supervisorAssigns: 0,
  resolvedByAgents: 0,
  surveysAnswered: 0,
  gaveUp: 0,
});

export function apiClient(url: string, apiKey: string): World['api'] {
  return async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };
}
