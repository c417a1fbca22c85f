import type { IdentityStore } from './identity.ts';

/** The kinds of identity a handle may be, besides e-mail and phone (which spell themselves). */
const SCOPED = ['wa-user', 'messenger', 'instagram', 'twitter', 'webchat'];

/**
 * The customers the doors know under any of these spellings of a handle: how the API finds a
 * customer by handle when the projection holds handles sealed.
 */
export function customersByIdentity(identities: IdentityStore): (tenant: string, spellings: string[]) => Promise<string[]> {
  return async (tenant, spellings) => {
    const keys = spellings.flatMap((s) => (s.includes('@') ? [`email:${s}`] : s.startsWith('+') ? [`phone:${s}`] : SCOPED.map((kind) => `${kind}:${s}`)));
    const found = await Promise.all(keys.map((key) => identities.lookup(tenant, key)));
    return [...new Set(found.filter((c): c is string => c !== null))];
  };
}
