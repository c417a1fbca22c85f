import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { PUBLIC } from '../../http/route-access.ts';

/** Longer than a healthy PING ever takes; a Redis that does not answer in time counts as down. */
const PING_TIMEOUT_MS = 1000;

/** `GET /healthz`, without auth: 200 when Redis answers PING, else 503 (the load balancer's probe). */
export function healthRoutes(app: FastifyInstance, deps: { redis: Redis }): void {
  // Its own timeout, above the PING's, so a dead Redis gets this route's answer, not a generic timeout.
  app.get('/healthz', { handlerTimeout: PING_TIMEOUT_MS + 1000, config: PUBLIC }, async (request, reply) => {
    try {
      await ping(deps.redis);
      return { status: 'ok' };
    } catch (err) {
      request.log.warn({ reason: (err as Error).message }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable', error: 'unavailable', message: 'Redis does not answer' });
    }
  });
}

async function ping(redis: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no PONG within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
