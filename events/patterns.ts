import { catalogue, EVENT_TYPE_PATTERN } from './index.ts';

/**
 * What a subscription may name in `events`: an event type of the catalogue (`sla.breached`), every
 * type under a prefix (`conversation.*`, `message.*`), or `*` for every type. Nothing finer: a
 * subscriber who wants less filters on the body's `type`.
 */
export type EventPattern = string;

const PREFIX_PATTERN = /^([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.\*$/;

export function matchesEventType(pattern: EventPattern, type: string): boolean {
  if (pattern === '*') return true;
  const prefix = PREFIX_PATTERN.exec(pattern)?.[1];
  if (prefix !== undefined) return type.startsWith(`${prefix}.`);
  return pattern === type;
}

/**
 * Why a pattern cannot be subscribed to, or null when it can. A pattern that names no type the
 * catalogue knows is refused rather than kept: a misspelt `conversation.resolve` would otherwise
 * deliver nothing, silently.
 */
export function eventPatternProblem(pattern: string, knownTypes: readonly string[] = Object.keys(catalogue)): string | null {
  if (pattern === '*') return null;
  if (PREFIX_PATTERN.test(pattern)) {
    return knownTypes.some((type) => matchesEventType(pattern, type)) ? null : `"${pattern}" matches no event type of the catalogue`;
  }
  if (!EVENT_TYPE_PATTERN.test(pattern)) return `"${pattern}" is neither an event type (such as conversation.resolved) nor a pattern (conversation.*, *)`;
  return knownTypes.includes(pattern) ? null : `"${pattern}" is not an event type of the catalogue`;
}
