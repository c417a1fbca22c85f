import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { RouteAccess } from '../../http/route-access.ts';
import { QUEUE_DASHBOARD_PREFIX } from '../queue-dashboard.ts';
import { OPERATIONS, TAGS, type Operation } from './operations.ts';
import { componentSchemas } from './schemas.ts';

/** Where the browsable description is served: the UI at /docs, the document at /docs/json. */
export const DOCS_PREFIX = '/docs';

/**
 * Route prefixes of plugins that bring routes of their own (their UIs and the APIs behind them):
 * they are not the engine's API, so the document leaves them out.
 */
export const UNDOCUMENTED_PREFIXES = [DOCS_PREFIX, QUEUE_DASHBOARD_PREFIX] as const;

type Schema = Record<string, unknown>;
type Doc = { paths?: Record<string, Record<string, Schema>>; [key: string]: unknown };

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const METHOD_ORDER = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An API key as `Authorization: Bearer csk_<id>_<secret>` (`cs keys add`, `POST /v1/api-keys`); its scopes decide what it may do.' },
  apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'The same API key in a header of its own.' },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: 'cs_session',
    description: 'A person signed in with `POST /v1/session`; their role decides what they may do. A change made with the cookie must carry an `Origin` of the API’s own host.',
  },
} as const;

/** What the document needs of a route beyond its schema, taken when fastify registers it. */
interface RouteFacts {
  key: string;
  access: RouteAccess | undefined;
  rateLimited: boolean;
  validated: boolean;
}

/**
 * The OpenAPI 3.1 document of every route, from the routes as registered: @fastify/swagger reads
 * each route's JSON Schema (body, query, params: the very schemas fastify validates with), and
 * `transform` adds what the route's config and the catalogue (operations.ts) know. Nothing here
 * changes how a route validates or answers: response schemas go into the document only, never
 * into fastify's serializers. Registered on the root instance itself (the plugin shares its
 * onRoute hook and `swagger()` with it) before any route, so it sees them all.
 */
export function registerOpenApi(app: FastifyInstance): void {
  const facts = new Map<string, RouteFacts>();
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Omnichannel customer-service engine API',
        version: '1',
        description: [
          'Each operation names what it needs in `x-access`: a permission (README, "People, roles and keys"), `signed-in` (any principal) or `public` (the route checks its own credential: a provider’s signature, a widget key, a signed link).',
          'Every refusal is JSON `{error, message}`: `error` a stable code, listed per answer below.',
          'The job-queue dashboard (`/admin/queues`, the deployment’s operators only) is not part of this API.',
        ].join('\n\n'),
      },
      tags: TAGS.map((t) => ({ ...t })),
      components: { securitySchemes: SECURITY_SCHEMES, schemas: componentSchemas },
      security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
    },
    transform: ({ schema, url, route }) => {
      const method = methodOf(route);
      const key = `${method} ${url}`;
      if (UNDOCUMENTED_PREFIXES.some((p) => url === p || url.startsWith(`${p}/`))) return { schema: { ...schema, hide: true }, url };
      const config = (route.config ?? {}) as { access?: RouteAccess; rateLimit?: unknown };
      const given = (schema ?? {}) as Schema;
      facts.set(operationIdOf(method, url), {
        key,
        access: config.access,
        rateLimited: config.rateLimit !== undefined && config.rateLimit !== false,
        validated: ['body', 'querystring', 'params', 'headers'].some((part) => given[part] !== undefined),
      });
      const op = OPERATIONS[key];
      // Only the input parts and the catalogue's words: the route's own response schemas (none today) would be serializers.
      const documented: Schema = {
        ...pick(given, ['body', 'querystring', 'params', 'headers']),
        operationId: operationIdOf(method, url),
        summary: op?.summary ?? `${key} (not described: add it to src/api/docs/operations.ts)`,
        tags: [op?.tag ?? 'undescribed'],
        ...(op?.description ? { description: op.description } : {}),
      };
      return { schema: documented, url: url.replace(/\/\*$/, '/:file') };
    },
    // The rest is written on the document as a whole: responses and the doors' own bodies as
    // OpenAPI objects (the plugin's conversion of fastify response schemas would resolve and
    // reshape them), the access of each route, and a stable order for the checked-in copy.
    transformObject: (documentObject) => {
      const doc = ('openapiObject' in documentObject ? documentObject.openapiObject : {}) as Doc;
      for (const operations of Object.values(doc.paths ?? {})) {
        for (const operation of Object.values(operations)) {
          const route = facts.get(String(operation.operationId));
          if (route) describeOperation(operation, route, OPERATIONS[route.key]);
        }
      }
      return sorted(doc) as never;
    },
  });
}

/**
 * The UI at /docs and the document at /docs/json: public (it holds no data), inside the auth hook's
 * scope. The page loads only files of its own (no inline script, no other origin), so the API's
 * CSP (helmet's defaults, server.ts) needs nothing more here; without a validator URL it does not
 * ask the public swagger validator for a badge either.
 */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    await scope.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      uiConfig: { deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0, validatorUrl: null } as Record<string, unknown>,
    });
  });
}

/** Fills an operation in: access, security, parameters and bodies of doors, and every answer it gives. */
function describeOperation(operation: Schema, route: RouteFacts, op: Operation | undefined): void {
  const [method = 'GET'] = route.key.split(' ');
  const mutation = MUTATIONS.has(method);
  const isPublic = route.access === 'public';
  operation['x-access'] = route.access ?? 'nobody';
  operation.security = isPublic ? [] : [{ bearer: [] }, { apiKey: [] }, { session: [] }];
  const needs = route.access === undefined ? 'Declares no access: open to nobody.' : isPublic ? 'Public: the route checks its own credential, if any.' : route.access === 'signed-in' ? 'Needs a principal: anyone signed in, or any API key.' : `Needs \`${route.access}\`.`;
  operation.description = [needs, op?.description].filter(Boolean).join('\n\n');

  const parameters = Array.isArray(operation.parameters) ? [...(operation.parameters as Schema[])] : [];
  for (const [name, { required, description, ...schema }] of Object.entries(op?.query ?? {})) {
    parameters.push({ name, in: 'query', required: required ?? false, ...(description ? { description } : {}), schema });
  }
  for (const [name, header] of Object.entries(op?.headers ?? {})) parameters.push({ name, in: 'header', required: false, description: header.description, schema: header.schema });
  if (parameters.length > 0) operation.parameters = parameters;
  if (op?.body && operation.requestBody === undefined) {
    operation.requestBody = { required: true, content: Object.fromEntries(Object.entries(op.body).map(([type, schema]) => [type, { schema }])) };
  }

  const errors = new Map<number, string[]>();
  const add = (status: number, ...codes: string[]) => errors.set(status, [...new Set([...(errors.get(status) ?? []), ...codes])]);
  // Fastify's validation of the declared schemas, and our JSON parser (src/http/input.ts) on a JSON body.
  if (route.validated) add(400, 'bad_request');
  if (mutation && !op?.body) add(400, 'empty_body', 'invalid_json', 'invalid_encoding', 'too_deep', 'forbidden_key');
  if (route.access !== undefined && !isPublic) add(401, 'unauthorized', 'session_ended');
  if (route.access !== undefined && !isPublic && route.access !== 'signed-in') add(403, 'missing_permission');
  if (mutation && !isPublic) add(403, 'origin_mismatch');
  if (route.access === undefined) add(403, 'forbidden');
  // The body deadline, the body limit and the content types a route parses.
  if (mutation) {
    add(408, 'request_timeout');
    add(413, 'payload_too_large');
    add(415, 'unsupported_media_type', ...(op?.body ? [] : ['unsupported_charset']));
  }
  // A route's own throttle (sign-in); the rate limits of src/api/rate-limits.ts count every
  // principal's requests, and anyone's on the providers' webhooks and the chat door.
  if (route.rateLimited) add(429, 'too_many_requests');
  const [, url = ''] = route.key.split(' ');
  if (!isPublic || url.startsWith('/webhooks/') || url.startsWith('/v1/chat/')) add(429, 'rate_limited');
  for (const [status, codes] of Object.entries(op?.errors ?? {})) add(Number(status), ...(codes ?? []));
  // A handler that does not finish within its timeout (Redis unreachable, say).
  add(503, 'timeout');

  const responses: Record<string, Schema> = {};
  if (op) responses[String(op.ok.status)] = successResponse(op.ok);
  for (const status of [...errors.keys()].sort((a, b) => a - b)) {
    const codes = errors.get(status)!;
    responses[String(status)] = {
      description: `${STATUS_WORDS[status] ?? 'Refused'}: ${codes.map((c) => `\`${c}\``).join(', ')}.`,
      ...(status === 429 || status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } } } } : {}),
      content: { 'application/json': { schema: { allOf: [{ $ref: '#/components/schemas/Error' }, { type: 'object', properties: { error: { enum: codes } } }] } } },
    };
  }
  operation.responses = responses;
}

function successResponse(ok: Operation['ok']): Schema {
  const content = ok.content ?? (ok.schema ? { 'application/json': ok.schema } : undefined);
  return { description: ok.description, ...(content ? { content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])) } : {}) };
}

const STATUS_WORDS: Record<number, string> = {
  400: 'Bad request',
  401: 'No principal',
  403: 'Forbidden',
  404: 'Not found',
  408: 'The body came too slowly',
  409: 'The state forbids it',
  413: 'Too large',
  415: 'Unsupported media type',
  422: 'Names what the workspace does not have',
  429: 'Too many requests',
  503: 'Unavailable; retry later',
};

/** The route's method for the document: one per route here (fastify adds HEAD routes of its own, left out). */
function methodOf(route: RouteOptions): string {
  const methods = [route.method].flat().filter((m) => m !== 'HEAD');
  return methods[0] ?? 'HEAD';
}

/** A route's path as the document writes it: `/v1/users/{id}`; a wildcard is the path parameter `file`. */
export const openApiPath = (url: string) => url.replace(/\/\*$/, '/:file').replace(/:(\w+)/g, '{$1}');

/** `getV1ConversationsByIdAttachmentsByKey`: stable, unique per method and path, usable as a name by client generators. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment === '*' ? 'Files' : segment.startsWith(':') ? `By-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/).filter(Boolean));
  return method.toLowerCase() + (words.length === 0 ? 'Root' : words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(''));
}

function pick(schema: Schema, keys: string[]): Schema {
  return Object.fromEntries(keys.filter((k) => schema[k] !== undefined).map((k) => [k, schema[k]]));
}

/** Paths by name, each path's methods in a fixed order: the document does not depend on the order routes were registered in. */
function sorted(doc: Doc): Doc {
  if (!doc.paths) return doc;
  const paths = Object.fromEntries(
    Object.keys(doc.paths)
      .sort()
      .map((path) => {
        const item = doc.paths![path]!;
        const keys = Object.keys(item).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
        return [path, Object.fromEntries(keys.map((k) => [k, item[k]!]))];
      }),
  );
  return { ...doc, paths };
}

const rank = (key: string) => {
  const i = METHOD_ORDER.indexOf(key);
  return i === -1 ? METHOD_ORDER.length : i;
};
