import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { Channel } from '../domain/state.ts';
import { WHATSAPP_USER_ID } from '../domain/whatsapp-user-id.ts';

export { WHATSAPP_USER_ID };

/**
 * The identity a handle stands for, independent of channel where the handle is: a phone number is
 * one identity on SMS and on WhatsApp, an address one identity on every e-mail provider.
 */
export interface NormalisedHandle {
  /** What goes in events (`data.handle`): lower-cased e-mail, E.164 phone, provider-scoped social id. */
  handle: string;
  /** The key identity resolution looks up: `email:…`, `phone:…`, `wa-user:…`, `<provider>:…`. */
  identityKey: string;
}

export type HandleResult = { ok: true; value: NormalisedHandle } | { ok: false; reason: string };

const emailPattern = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

export function normaliseEmail(raw: string): HandleResult {
  const handle = raw.trim().toLowerCase();
  if (!emailPattern.test(handle)) return { ok: false, reason: `not an e-mail address: ${JSON.stringify(raw.slice(0, 80))}` };
  return { ok: true, value: { handle, identityKey: `email:${handle}` } };
}

/** E.164 via libphonenumber; numbers without a country code are read in `defaultCountry`. */
export function normalisePhone(raw: string, defaultCountry?: CountryCode): HandleResult {
  const cleaned = raw.trim().replace(/^whatsapp:/i, '');
  // WhatsApp ids are the number's digits without the plus.
  const withPlus = /^\d{8,15}$/.test(cleaned) && !defaultCountry ? `+${cleaned}` : cleaned;
  const parsed = parsePhoneNumberFromString(withPlus, defaultCountry);
  if (!parsed || !parsed.isPossible()) return { ok: false, reason: `not a phone number: ${JSON.stringify(raw.slice(0, 40))}` };
  const handle = parsed.number;
  return { ok: true, value: { handle, identityKey: `phone:${handle}` } };
}

/** Page-scoped and app-scoped ids (Messenger PSID, Instagram IGSID), web chat visitor ids. */
export function normaliseScopedId(provider: string, raw: string): HandleResult {
  const id = raw.trim();
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(id)) return { ok: false, reason: `not a ${provider} id: ${JSON.stringify(raw.slice(0, 80))}` };
  return { ok: true, value: { handle: id, identityKey: `${provider}:${id}` } };
}

/** What is meant as a user id rather than a number: letters before a period (a number never has them). */
const LOOKS_LIKE_USER_ID = /^[A-Za-z]{2,}\./;

/** Whether a WhatsApp sender address (`whatsapp:` prefix allowed) is a user id rather than a number. */
export function isWhatsappUserId(raw: string): boolean {
  return LOOKS_LIKE_USER_ID.test(raw.trim().replace(/^whatsapp:/i, ''));
}

/**
 * A BSUID is an identity of its own (`wa-user:…`), never a phone's: the same person's number and
 * id are two identities of one customer, linked when a message carries both. Kept as sent (Meta:
 * store it and send it back exactly as received), on WhatsApp directly and through Twilio alike.
 */
export function normaliseWhatsappUserId(raw: string): HandleResult {
  const id = raw.trim().replace(/^whatsapp:/i, '');
  if (!WHATSAPP_USER_ID.test(id)) return { ok: false, reason: `not a WhatsApp user id: ${JSON.stringify(raw.slice(0, 80))}` };
  return { ok: true, value: { handle: id, identityKey: `wa-user:${id}` } };
}

/** The one place that decides how a channel's handle becomes an identity. */
export function normaliseHandle(channel: Channel, provider: string, raw: string, defaultCountry?: CountryCode): HandleResult {
  if (channel === 'email') return normaliseEmail(raw);
  // WhatsApp directly, or through Twilio (`whatsapp:US.…`): a user id where a number would be.
  if ((provider === 'whatsapp' || provider === 'twilio' || provider === 'twilio-whatsapp') && isWhatsappUserId(raw)) return normaliseWhatsappUserId(raw);
  // WhatsApp ids are always international: the digits of the number without its plus.
  if (provider === 'whatsapp' && /^\d{6,15}$/.test(raw.trim())) return normalisePhone(`+${raw.trim()}`);
  if (channel === 'sms' || provider === 'whatsapp' || provider === 'twilio-whatsapp') return normalisePhone(raw, defaultCountry);
  return normaliseScopedId(provider, raw);
}
