import { z } from 'zod';

/**
 * Personal data travels sealed: `enc:v1:<keyId>:<iv>:<ciphertext+tag>`, AES-256-GCM under the
 * customer's data key, iv and ciphertext base64url without padding (README, Personal data). A field
 * that does not start with the prefix is plaintext, as every event written before sealing was.
 */
export const SEALED_PREFIX = 'enc:v1:';

/** Key ids are what a reader asks the key store for: letters, digits, `_` and `-`, never a colon. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const SEALED_PATTERN = /^enc:v1:[A-Za-z0-9_-]{1,64}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22,}$/;

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

/** A sealed value is longer than its plaintext (about 4/3 of it plus 60 characters): its own limit, generous. */
const sealedValue = z.string().max(200_000).regex(SEALED_PATTERN, 'a sealed value is enc:v1:<keyId>:<iv>:<ciphertext>');

/** A personal field: the plaintext as `plain` allows it, or that value sealed. */
export function sealable(plain: z.ZodString): z.ZodUnion<[z.ZodString, z.ZodString]> {
  return z.union([sealedValue, plain]);
}
