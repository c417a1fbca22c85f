import type { Actor } from '../../domain/actions/decision.ts';
import { printableString } from './append.ts';

export type { Actor };

/** `by` in a request body: an agent id, or an actor in full (a supervisor's tool may act as the system or a bot). */
export type ActorInput = string | { kind: 'agent' | 'bot' | 'system'; id: string };

/** JSON-schema fragment for `by`. A customer never acts through the agents' API. */
export const actorInputSchema = {
  anyOf: [
    printableString(256),
    {
      type: 'object',
      required: ['kind', 'id'],
      additionalProperties: false,
      properties: { kind: { type: 'string', enum: ['agent', 'bot', 'system'] }, id: printableString(256) },
    },
  ],
} as const;

/** The actor of a request; the API itself (system) when the body names none. */
export function actorOf(by: ActorInput | undefined): Actor {
  if (by === undefined) return { kind: 'system', id: 'api' };
  return typeof by === 'string' ? { kind: 'agent', id: by } : { kind: by.kind, id: by.id };
}
