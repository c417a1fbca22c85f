import type { Redis } from 'ioredis';
import { accountKeys } from '../projections/keys.ts';

/** What a browser session holds, server-side: who signed in, when, under which password epoch. */
export interface SessionData {
  tenant?: string;
  account?: string;
  epoch?: number;
  /** Epoch ms of the sign-in: the absolute expiry counts from here. */
  signedInAt?: number;
}

// The shapes @fastify/session calls with (express-session's store interface).
type Callback = (err?: unknown) => void;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SessionCallback = (err: unknown, session?: any) => void;

/**
 * The session store @fastify/session asks for (get/set/destroy with callbacks), in Redis: a session
 * lives while it is used, each read pushing its expiry on by `idleSeconds` (GETEX), so an idle one
 * ends by itself and a revoked one is gone at once. The absolute expiry is checked by the auth hook.
 */
export class RedisSessionStore {
  private readonly keys: ReturnType<typeof accountKeys>;

  constructor(
    private readonly redis: Redis,
    instance: string,
    private readonly idleSeconds: number,
  ) {
    this.keys = accountKeys(instance);
  }

  set(id: string, session: unknown, callback: Callback): void {
    this.redis.set(this.keys.session(id), JSON.stringify(session), 'EX', this.idleSeconds).then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }

  get(id: string, callback: SessionCallback): void {
    this.redis.getex(this.keys.session(id), 'EX', this.idleSeconds).then(
      (text) => {
        if (text === null) return callback(undefined, null);
        try {
          callback(undefined, JSON.parse(text));
        } catch {
          callback(undefined, null);
        }
      },
      (err: unknown) => callback(err),
    );
  }

  destroy(id: string, callback: Callback): void {
    this.redis.del(this.keys.session(id)).then(
      () => callback(),
      (err: unknown) => callback(err),
    );
  }
}
