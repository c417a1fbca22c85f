import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { SEALED_PATTERN, SEALED_PREFIX } from '../../events/index.ts';

/** What a reader shows where a sealed field's key was destroyed (or the field does not open). */
export const ERASED = '[erased]';

/** What a reader shows where retention destroyed the key: the text outlived the tenant's retention. */
export const EXPIRED = '[expired]';

/**
 * Seals one field with a customer's data key (AES-256-GCM). The iv is synthetic, the first 12
 * bytes of HMAC-SHA256(key, plaintext): the same handle under the same key seals to the same
 * string, so the fold's equality checks (a customer's known identities, a thread key) and a
 * provider's retry (byte-identical events) keep working; an iv repeats only with its plaintext.
 */
export function sealText(plain: string, key: Buffer, keyId: string): string {
  const iv = createHmac('sha256', key).update('iv\0').update(plain, 'utf8').digest().subarray(0, 12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(keyId, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${SEALED_PREFIX}${keyId}:${iv.toString('base64url')}:${body.toString('base64url')}`;
}

/** The key id a sealed value names, or null when it is not one. */
export function sealedKeyId(value: string): string | null {
  if (!SEALED_PATTERN.test(value)) return null;
  return value.slice(SEALED_PREFIX.length, value.indexOf(':', SEALED_PREFIX.length));
}

/** The plaintext, or null when the value does not open with this key (wrong key, altered bytes). */
export function openText(value: string, key: Buffer): string | null {
  const keyId = sealedKeyId(value);
  if (keyId === null) return null;
  const [iv, body] = value.slice(SEALED_PREFIX.length + keyId.length + 1).split(':') as [string, string];
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.length < 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
