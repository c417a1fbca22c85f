import type { Permission } from '../domain/access/index.ts';

/**
 * What a route needs, declared on the route as `config: { access }` and checked for every request
 * by the API's auth hook (src/api/auth.ts): a permission (src/domain/access), `signed-in` (any
 * principal: who am I, sign out, change my password) or `public` (no principal: sign-in, the chat
 * widget, survey links, providers' webhooks, each checking its own credential). A route that
 * declares nothing is open to nobody.
 */
export type RouteAccess = Permission | 'signed-in' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** The route config of a door that checks its own credential (a provider's signature, a widget key, a signed link). */
export const PUBLIC = { access: 'public' } as const satisfies { access: RouteAccess };
