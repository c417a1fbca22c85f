import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { CountryCode } from 'libphonenumber-js';
import type { RejectedInputSink } from '../channels/rejected.ts';
import type { Config } from '../config/schema.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Logger } from '../observability/logger.ts';
import { apiKeyAuth } from './auth.ts';
import { ApiError, errorCodeFor, sendError } from '../http/errors.ts';
import { ProjectionReader } from '../projections/reader.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { customerRoutes } from './routes/customers.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { queueRoutes } from './routes/queues.ts';
import { surveyAnswerRoutes } from './routes/surveys.ts';

export const DEFAULT_BODY_LIMIT = 5 * 1024 * 1024;

export interface ApiServerOptions {
  config: Config;
  redis: Redis;
  eventLog: EventLog;
  logger: Logger;
  /** Largest `POST /v1/events` body in bytes (default 5 MiB); larger ones are answered 413. */
  bodyLimit?: number;
  /** The `Retry-After` (seconds) of a 503 when Kafka is unavailable (default 5). */
  retryAfterSeconds?: number;
  /** A read that takes longer is answered 503 (default 10 s), say while Redis is unreachable. */
  readTimeoutMs?: number;
  /** Where refused `POST /v1/events` bodies are kept (the rejected-input topic). */
  rejected?: RejectedInputSink;
  /** More route plugins at the root (channel webhooks), each registered on its own. */
  extensions?: Array<(app: FastifyInstance) => Promise<void> | void>;
}

/**
 * The HTTP API (not listening yet: call `listen`). Routes under /v1 need an API key, which decides
 * the tenant; /healthz does not. Every answer, errors and unknown routes included, is JSON.
 */
export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const { config, redis, eventLog, logger } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const readTimeoutMs = options.readTimeoutMs ?? 10_000;
  const retryAfterSeconds = options.retryAfterSeconds ?? 5;
  const reader = new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace });

  // Typed as fastify's logger interface so the instance is a plain FastifyInstance for the route modules.
  const httpLogger: FastifyBaseLogger = logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: httpLogger,
    // Fastify's own request lines carry the URL, and a query string may hold a handle: we log our own (below).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    handlerTimeout: readTimeoutMs,
    routerOptions: { maxParamLength: 256 },
  });

  app.decorateRequest('tenant', '');

  app.addHook('onResponse', async (request, reply) => {
    // A load balancer probes /healthz every few seconds: only a failing probe is worth a line at info.
    const quiet = request.routeOptions.url === '/healthz' && reply.statusCode === 200;
    request.log[quiet ? 'debug' : 'info'](
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ...(request.tenant ? { tenant: request.tenant } : {}),
      },
      'request completed',
    );
  });

  app.setErrorHandler((err: FastifyError | ApiError | Error, request, reply) => {
    const status = statusOf(err);
    if (status >= 500) {
      // A syntax error's message (and so its stack) quotes the text it choked on: stored message text, maybe.
      const quotesData = err instanceof SyntaxError;
      const reason = quotesData ? 'stored JSON does not parse' : err.message;
      request.log.error({ errName: err.name, errCode: 'code' in err ? err.code : undefined, reason, stack: quotesData ? undefined : err.stack }, 'request failed');
    }
    const code = err instanceof ApiError ? err.code : status === 503 && isTimeout(err) ? 'timeout' : errorCodeFor(status);
    // Fastify's own 4xx messages are written for clients; anything else of ours at 5xx is a bug to hide.
    const message = status < 500 || err instanceof ApiError ? err.message : isTimeout(err) ? 'the request took too long; retry later' : 'internal error';
    if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfterSeconds));
    return sendError(reply, status, code, message);
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));

  healthRoutes(app, { redis });
  surveyAnswerRoutes(app, { eventLog, linkSecret: config.http.linkSecret });
  for (const extension of options.extensions ?? []) app.register(async (scope) => extension(scope));

  app.register(
    async (v1) => {
      v1.addHook('onRequest', apiKeyAuth(config.http.apiKeys));
      customerRoutes(v1, { reader, defaultCountry: config.channels.defaultCountry as CountryCode });
      conversationRoutes(v1, { reader });
      queueRoutes(v1, { reader });
      // Its own plugin: its content-type parsers do not leak to the other routes.
      await v1.register(async (events) =>
        eventRoutes(events, {
          eventLog,
          bodyLimit,
          retryAfterSeconds,
          // Kafka's acknowledgement may take up to publishTimeoutMs; the route answers 503 itself then.
          timeoutMs: config.kafka.publishTimeoutMs + readTimeoutMs,
          ...(options.rejected ? { rejected: options.rejected } : {}),
        }),
      );
    },
    { prefix: '/v1' },
  );

  return app;
}

function statusOf(err: Error): number {
  const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
  return status >= 400 && status < 600 ? status : 500;
}

const isTimeout = (err: Error) => 'code' in err && err.code === 'FST_ERR_HANDLER_TIMEOUT';
