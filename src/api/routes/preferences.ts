import type { FastifyReply } from 'fastify';
import { canonicalTimeZone, LANGUAGES, type Account, type Language } from '../../accounts/accounts.ts';
import type { AccountChange } from '../../accounts/audit.ts';
import { sendError } from '../../http/errors.ts';

/** A person's console preferences: the language it is shown in and the time zone of its dates. */
export interface Preferences {
  language?: Language;
  timeZone?: string;
}

/** JSON-schema properties of the preferences, for the bodies that set them (one's own, or an admin's). */
export const preferenceProperties = {
  language: { type: 'string', enum: [...LANGUAGES] },
  // The zone's name is checked against the platform's zones in the handler (timeZoneOr400).
  timeZone: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[^\\u0000-\\u001f\\u007f\\s]+$' },
} as const;

/**
 * The preferences with the time zone as the platform names it, or null once the reply is a 400
 * naming a zone `Intl` does not know (the console would fail to show a date in it).
 */
export function preferencesOr400<T extends Preferences>(reply: FastifyReply, body: T): T | null {
  if (body.timeZone === undefined) return body;
  const zone = canonicalTimeZone(body.timeZone);
  if (zone !== null) return { ...body, timeZone: zone };
  sendError(reply, 400, 'invalid_time_zone', `timeZone ${JSON.stringify(body.timeZone)} is not an IANA time zone (say "Europe/Moscow" or "UTC")`);
  return null;
}

/** The audit change of a person's preferences, or null when they did not change. */
export function preferencesChange(before: Account, after: Account): AccountChange | null {
  if (before.language === after.language && before.timeZone === after.timeZone) return null;
  return { subject: { kind: 'person', id: after.id }, change: 'preferences_changed', language: after.language, timeZone: after.timeZone };
}
