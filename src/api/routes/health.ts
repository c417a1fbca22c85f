import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { PUBLIC } from '../../http/route-access.ts';
import { livenessAnswer, metricsAnswer, readinessAnswer, type ProbeAnswer } from '../../observability/probe-answers.ts';
import { CHECK_TIMEOUT_MS } from '../../observability/readiness.ts';
import { redisAnswers } from '../../queues/connection.ts';

/** The probes' routes: answered quietly in the request log while they pass. */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The api's probes, without auth, answered as the other roles' metrics port answers them
 * (src/observability/probe-answers.ts): `GET /healthz` 200 while the process serves (liveness: it
 * asks nothing, so a Redis or Kafka outage never gets the api restarted); `GET /readyz` 200 when
 * Redis answers this server's PING and every check the role added passes (Kafka), else 503 naming
 * what failed (the load balancer's probe); `GET /metrics`, Prometheus' text, behind the bearer
 * token when `metrics.token` is set.
 */
export function healthRoutes(app: FastifyInstance, deps: { redis: Redis; metricsToken: string }): void {
  app.get('/healthz', { config: PUBLIC }, async (_request, reply) => send(reply, livenessAnswer()));
  // Its own timeout, above the checks', so a dead dependency gets this route's answer, not a generic timeout.
  app.get('/readyz', { handlerTimeout: CHECK_TIMEOUT_MS + 1000, config: PUBLIC }, async (request, reply) => {
    const answer = await readinessAnswer({ redis: () => redisAnswers(deps.redis) });
    if (answer.status !== 200) request.log.warn({ answer: answer.body }, 'readiness check failed');
    return send(reply, answer);
  });
  app.get('/metrics', { config: PUBLIC }, async (request, reply) => send(reply, await metricsAnswer(deps.metricsToken, request.headers.authorization)));
}

const send = (reply: FastifyReply, answer: ProbeAnswer) => reply.code(answer.status).type(answer.contentType).header('cache-control', 'no-store').send(answer.body);
