import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { CountryCode } from 'libphonenumber-js';
import { AppendClaims } from '../channels/claims.ts';
import type { RejectedInputSink } from '../channels/rejected.ts';
import type { Config } from '../config/schema.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Logger } from '../observability/logger.ts';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import session from '@fastify/session';
import { AccountStore } from '../accounts/accounts.ts';
import { ApiKeyStore } from '../accounts/api-keys.ts';
import { RedisSessionStore } from '../accounts/sessions.ts';
import { tenantRegistry } from '../config/policies.ts';
import { createKafka } from '../log/kafka.ts';
import { readAudit } from '../replay/audit.ts';
import { authenticate } from './auth.ts';
import { rateLimitHook } from './rate-limits.ts';
import { consoleDir, consoleRoutes } from './console.ts';
import { docsRoutes, registerOpenApi } from './docs/openapi.ts';
import { queueDashboard } from './queue-dashboard.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { cannedRoutes } from './routes/canned.ts';
import { CannedStore } from '../canned/store.ts';
import { auditRoutes } from './routes/audit.ts';
import { peopleRoutes } from './routes/people.ts';
import { sessionRoutes } from './routes/session.ts';
import { settingsRoutes } from './routes/settings.ts';
import { streamRoutes } from './routes/stream.ts';
import { LiveHub } from './live-hub.ts';
import { ApiError, errorCodeFor, sendError } from '../http/errors.ts';
import { readJsonBody } from '../http/input.ts';
import { bodyDeadline, clientErrorHandler } from '../http/timeouts.ts';
import { DEFAULT_MAX_RECORD_BYTES } from '../log/record-size.ts';
import { ProjectionReader } from '../projections/reader.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { attachmentRoutes } from './routes/attachments.ts';
import { customerExportRoutes } from './routes/customer-export.ts';
import { customerRoutes } from './routes/customers.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes, PROBE_ROUTES } from './routes/health.ts';
import { observeHttp } from './http-metrics.ts';
import { queueRoutes } from './routes/queues.ts';
import { kpiRoutes } from './routes/kpis.ts';
import { tenantTargets } from '../replay/targets.ts';
import { surveyAnswerRoutes } from './routes/surveys.ts';
import { mediaRoutes } from './routes/media.ts';
import { AttachmentStore } from '../attachments/store.ts';
import type { Privacy } from '../privacy/index.ts';
import { erasureRoutes } from './routes/erasure.ts';
import { IdentityStore } from '../channels/identity.ts';
import { customersByIdentity } from '../channels/identity-lookup.ts';

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
  /** A body not arrived this long after the request began is answered 408 (default http.bodyTimeoutMs). */
  bodyTimeoutMs?: number;
  /** Opens sealed personal data in every answer; absent or null where nothing is sealed. */
  privacy?: Privacy | null;
  /** Where refused `POST /v1/events` bodies are kept (the rejected-input topic). */
  rejected?: RejectedInputSink;
  /** More route plugins at the root (channel webhooks), each registered on its own. */
  extensions?: Array<(app: FastifyInstance) => Promise<void> | void>;
}

/**
 * The HTTP API (not listening yet: call `listen`). Routes under /v1 need an API key, which decides
 * the tenant; the probes (/healthz, /readyz, /metrics) do not. Every answer, errors and unknown
 * routes included, is JSON, but for the metrics' text format.
 */
export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const { config, redis, eventLog, logger } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const readTimeoutMs = options.readTimeoutMs ?? 10_000;
  const retryAfterSeconds = options.retryAfterSeconds ?? 5;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? config.http.bodyTimeoutMs;
  // Node's own deadline for a whole request (headers and body) is the backstop of the body deadline.
  const requestTimeoutMs = bodyTimeoutMs + 5_000;
  const reader = new ProjectionReader(redis, { instance: config.instance, fallback: config.fold.namespace });

  // Typed as fastify's logger interface so the instance is a plain FastifyInstance for the route modules.
  const httpLogger: FastifyBaseLogger = logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: httpLogger,
    // Fastify's own request lines carry the URL, and a query string may hold a handle: we log our own (below).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    trustProxy: config.http.trustProxy,
    // A field the schema does not know is refused (400 naming it), never silently dropped: a
    // misspelt `prority` must not look accepted.
    ajv: { customOptions: { removeAdditional: false } },
    handlerTimeout: readTimeoutMs,
    routerOptions: { maxParamLength: 256 },
    requestTimeout: requestTimeoutMs,
    // Checked every second rather than Node's 30 s, so a stalled request is answered near its deadline.
    // Host is checked below, so a request without one is answered in our shape (Node's own 400 has no body).
    http: { requestTimeout: requestTimeoutMs, headersTimeout: Math.min(requestTimeoutMs, 60_000), connectionsCheckingInterval: 1_000, requireHostHeader: false },
    clientErrorHandler,
    // The router's own refusals (a malformed URL, a parameter over maxParamLength), in our shape too.
    frameworkErrors: (err, _request, reply) => {
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 400;
      const code = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'uri_too_long' : err.code === 'FST_ERR_BAD_URL' ? 'bad_url' : errorCodeFor(status);
      return sendError(reply, status, code, err.message.slice(0, 200));
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) return sendError(reply.header('connection', 'close'), 400, 'missing_host', 'an HTTP/1.1 request needs a Host header');
    return undefined;
  });

  // A route's handler time starts when the body has arrived: a body route may take the body
  // deadline on top of its handler timeout, so a slow body is a 408, never a handler's 503.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(m))) route.handlerTimeout = (route.handlerTimeout ?? readTimeoutMs) + bodyTimeoutMs;
  });
  app.addHook('preParsing', bodyDeadline(bodyTimeoutMs));
  // JSON bodies (the agents' actions) are read as bytes: UTF-8, a sane depth, valid JSON without
  // __proto__ or constructor.prototype keys, each refusal named. Doors with their own parsers check the same.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, readJsonBody(request.headers['content-type'], body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.decorateRequest('tenant', '');
  app.decorateRequest('principal', null);

  observeHttp(app);
  app.addHook('onResponse', async (request, reply) => {
    // Probes and scrapes come every few seconds: only a failing one is worth a line at info.
    const quiet = PROBE_ROUTES.has(request.routeOptions.url ?? '') && reply.statusCode === 200;
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
    // Answered before the body was read through (too large, too slow, malformed): the rest of it
    // would have to be read to reuse the connection, so the connection is closed instead.
    if (!request.raw.complete) reply.header('connection', 'close');
    if (status >= 500) {
      // A syntax error's message (and so its stack) quotes the text it choked on: stored message text, maybe.
      const quotesData = err instanceof SyntaxError;
      const reason = quotesData ? 'stored JSON does not parse' : err.message;
      request.log.error({ errName: err.name, errCode: 'code' in err ? err.code : undefined, reason, stack: quotesData ? undefined : err.stack }, 'request failed');
    }
    const code = err instanceof ApiError ? err.code : status === 503 && isTimeout(err) ? 'timeout' : (bodyErrorCode(err, status) ?? errorCodeFor(status));
    // Fastify's own 4xx messages are written for clients; anything else of ours at 5xx is a bug to hide.
    const message = status < 500 || err instanceof ApiError ? err.message : isTimeout(err) ? 'the request took too long; retry later' : 'internal error';
    if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', String(retryAfterSeconds));
    return sendError(reply, status, code, message);
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`));

  // Security headers on every answer; the session cookie (signed, its data in Redis); sign-in's
  // per-address limit and the rate limits of ./rate-limits.ts (counted in Redis, so every API process
  // shares them).
  app.register(helmet, { global: true });
  app.register(cookie);
  const sessions = config.http.sessions;
  app.register(session, {
    secret: sessions.secret,
    cookieName: 'cs_session',
    store: new RedisSessionStore(redis, config.instance, Math.ceil(sessions.idle / 1000)),
    saveUninitialized: false,
    rolling: false,
    cookie: { path: '/', httpOnly: true, sameSite: 'strict', secure: sessions.secureCookie, maxAge: sessions.absolute },
  });
  app.register(rateLimit, { global: false, redis, nameSpace: `cs:acct:{${config.instance}}:rate:` });
  // Before any route: it reads every route as registered into the OpenAPI document (/docs).
  registerOpenApi(app);

  const accounts = new AccountStore(redis, config.instance);
  const keys = new ApiKeyStore(redis, config.instance);
  const tenants = tenantRegistry(config.tenants);
  const auditKafka = createKafka(config.kafka, logger);
  // One store for the routes that serve files (signed links, downloads, exports).
  const attachments = new AttachmentStore(config.channels.attachments.dir);
  const identities = options.privacy ? customersByIdentity(new IdentityStore(redis, config.instance, options.privacy.blinder)) : null;

  // Every route below is behind the auth hook, which runs after the session is loaded and checks
  // each route's declared access (`config.access`): nothing is open by omission.
  app.register(async (routes) => {
    routes.addHook('onRequest', authenticate({ configKeys: config.http.apiKeys, keys, accounts, sessionAbsoluteMs: sessions.absolute }));
    // After authentication (a key's or a person's count needs to know who), before any body is read.
    routes.addHook('onRequest', rateLimitHook(routes, config.http.rateLimits));
    // Every answer a caller was allowed is opened for them here, once: routes, views and the
    // console read sealed fields as plaintext, and an erased customer's as "[erased]".
    const privacy = options.privacy;
    if (privacy) routes.addHook('preSerialization', async (request, _reply, payload: unknown) => (request.tenant ? privacy.opener.open(request.tenant, payload) : payload));
    healthRoutes(routes, { redis, metricsToken: config.metrics.token });
    consoleRoutes(routes, { dir: consoleDir() });
    routes.register(docsRoutes);
    routes.register(queueDashboard, { config, redis });
    surveyAnswerRoutes(routes, { eventLog, linkSecret: config.http.linkSecret });
    mediaRoutes(routes, { store: attachments, linkSecret: config.http.linkSecret });
    sessionRoutes(routes, {
      redis,
      instance: config.instance,
      accounts,
      eventLog,
      maxFailures: sessions.maxFailures,
      maxAttemptsPerAddress: sessions.maxAttemptsPerAddress,
      failureWindowMs: sessions.failureWindow,
      tenants,
    });
    peopleRoutes(routes, { accounts, eventLog, tenants });
    apiKeyRoutes(routes, { keys, eventLog });
    cannedRoutes(routes, { canned: new CannedStore(redis, config.instance), eventLog });
    auditRoutes(routes, { read: (q) => readAudit(auditKafka, config.kafka.topics.events, q) });
    settingsRoutes(routes, { tenants });
    // Blocking reads need a connection of their own; one per API process, whatever the consoles.
    const hub = new LiveHub(redis.duplicate(), config.instance);
    routes.addHook('onClose', async () => hub.close());
    streamRoutes(routes, { redis, instance: config.instance, hub });
    for (const extension of options.extensions ?? []) routes.register(async (scope) => extension(scope));
    await routes.register(v1Routes, { prefix: '/v1' });
  });

  async function v1Routes(v1: FastifyInstance) {
      customerRoutes(v1, { reader, tenants, defaultCountry: config.channels.defaultCountry as CountryCode, ...(identities ? { byIdentity: identities } : {}) });
      conversationRoutes(v1, { reader, tenants });
      attachmentRoutes(v1, { reader, tenants, store: attachments });
      customerExportRoutes(v1, { reader, kafka: auditKafka, topic: config.kafka.topics.events, store: attachments, privacy: options.privacy ?? null });
      erasureRoutes(v1, { reader, redis, kafka: auditKafka, config, eventLog, store: attachments, privacy: options.privacy ?? null });
      queueRoutes(v1, { reader, tenants });
      kpiRoutes(v1, { redis, reader, targets: tenantTargets(config) });
      // Its own plugin: its content-type parsers do not leak to the other routes.
      await v1.register(async (events) =>
        eventRoutes(events, {
          eventLog,
          // The same claims as the channels' ingest: an event id already on the log is not appended again.
          claims: new AppendClaims({ redis, instance: config.instance, eventLog, logger }),
          bodyLimit,
          retryAfterSeconds,
          maxRecordBytes: config.kafka.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
          // Kafka's acknowledgement may take up to publishTimeoutMs; the route answers 503 itself then.
          timeoutMs: config.kafka.publishTimeoutMs + readTimeoutMs,
          ...(options.rejected ? { rejected: options.rejected } : {}),
        }),
      );
  }

  return app;
}

function statusOf(err: Error): number {
  const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
  return status >= 400 && status < 600 ? status : 500;
}

/** Fastify's refusals of a body, by name rather than the status's generic code. */
const bodyErrorCodes: Record<string, string> = {
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content_length_mismatch',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
};

function bodyErrorCode(err: Error, status: number): string | undefined {
  const fastifyCode = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  if (fastifyCode !== undefined && Object.hasOwn(bodyErrorCodes, fastifyCode)) return bodyErrorCodes[fastifyCode];
  // The JSON parser's own refusals: a syntax error, or a __proto__ / constructor key (secure-json-parse).
  if (status === 400 && err instanceof SyntaxError) return /prototype|constructor/i.test(err.message) ? 'forbidden_key' : 'invalid_json';
  return undefined;
}

const isTimeout = (err: Error) => 'code' in err && err.code === 'FST_ERR_HANDLER_TIMEOUT';
