import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { offlineApiServer, renderOpenApi } from '../../../src/api/docs/document.ts';
import { openApiPath, operationIdOf, UNDOCUMENTED_PREFIXES } from '../../../src/api/docs/openapi.ts';
import { OPERATIONS } from '../../../src/api/docs/operations.ts';

const checkedIn = new URL('../../../docs/openapi.json', import.meta.url);
const stale = 'docs/openapi.json is out of date with the routes: run `npm run openapi` and commit the result';

type Operation = { operationId: string; summary: string; tags: string[]; 'x-access': string; responses: Record<string, unknown>; security: unknown[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

let app: FastifyInstance;
/** Every route as fastify registered it (`METHOD /path`, HEAD aside), with its declared access. */
const routes = new Map<string, string | undefined>();
let doc: Document;

beforeAll(async () => {
  app = offlineApiServer();
  // Read once ready: the docs' and the dashboard's scopes set their routes' access in onRoute hooks of their own, after this one.
  const seen: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    seen.push(route);
  });
  await app.ready();
  for (const route of seen) for (const method of [route.method].flat()) if (method !== 'HEAD') routes.set(`${method} ${route.url}`, route.config?.access);
  doc = app.swagger() as unknown as Document;
});

afterAll(async () => {
  await app?.close();
});

describe('the OpenAPI document', () => {
  it('is docs/openapi.json as checked in, and the same twice over', async () => {
    const rendered = await renderOpenApi();
    let onDisk = '';
    try {
      onDisk = readFileSync(checkedIn, 'utf8');
    } catch {
      // missing: reported by the comparison below
    }
    expect(onDisk, stale).toBe(rendered);
    expect(await renderOpenApi()).toBe(rendered);
  });

  it('is OpenAPI 3.1 with every route of the API (the plugins’ own UIs aside), each described in src/api/docs/operations.ts', () => {
    expect(doc.openapi).toBe('3.1.0');
    const served = [...routes.keys()].filter((r) => !UNDOCUMENTED_PREFIXES.some((p) => r.split(' ')[1] === p || r.split(' ')[1]!.startsWith(`${p}/`)));
    expect(served.length).toBeGreaterThan(50);
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(served.map((r) => `${r.split(' ')[0]} ${openApiPath(r.split(' ')[1]!)}`).sort());
    const undescribed = served.filter((r) => !Object.hasOwn(OPERATIONS, r));
    expect(undescribed, 'routes without an entry in src/api/docs/operations.ts').toEqual([]);
    const unrouted = Object.keys(OPERATIONS).filter((r) => !routes.has(r));
    expect(unrouted, 'entries of src/api/docs/operations.ts naming no route').toEqual([]);
  });

  it('leaves out the routes of the docs UI and the queue dashboard, each declaring its plugin’s one access', () => {
    const hidden = [...routes.keys()].filter((r) => UNDOCUMENTED_PREFIXES.some((p) => r.split(' ')[1]!.startsWith(p)));
    expect(hidden).toContain('GET /docs/json');
    expect(hidden).toContain('GET /admin/queues/api/queues');
    for (const route of hidden) expect(routes.get(route), route).toBe(route.split(' ')[1]!.startsWith('/docs') ? 'public' : 'settings:admin');
    for (const path of Object.keys(doc.paths)) expect(UNDOCUMENTED_PREFIXES.some((p) => path.startsWith(p)), path).toBe(false);
  });

  it('names each route’s declared access, its credentials and the refusals that access implies', () => {
    for (const [route, access] of routes) {
      const [method, url] = route.split(' ') as [string, string];
      const operation = doc.paths[openApiPath(url)]?.[method.toLowerCase()];
      if (!operation) continue;
      expect(operation.operationId, route).toBe(operationIdOf(method, url));
      expect(operation['x-access'], route).toBe(access);
      if (access === 'public') {
        expect(operation.security, route).toEqual([]);
        // A public route answers no 401 of the auth hook (the metrics' own token aside).
        expect(JSON.stringify(operation.responses['401'] ?? null), route).not.toContain('session_ended');
      } else {
        expect(operation.security.length, route).toBe(3);
        expect(JSON.stringify(operation.responses['401']), route).toContain('session_ended');
        if (access !== 'signed-in') expect(JSON.stringify(operation.responses['403']), route).toContain('missing_permission');
      }
      expect(JSON.stringify(operation.responses['503']), route).toContain('timeout');
    }
  });

  it('lists the route’s own refusals and its answer, the error body as src/http/errors.ts has it', () => {
    const reply = doc.paths['/v1/conversations/{id}/messages']!.post!;
    expect(Object.keys(reply.responses)).toEqual(['202', '400', '401', '403', '404', '408', '409', '413', '415', '422', '429', '503']);
    expect(JSON.stringify(reply.responses['422'])).toContain('attachment_refused');
    expect(JSON.stringify(reply.responses['409'])).toContain('conversation_resolved');
    const components = (doc as unknown as { components: { schemas: Record<string, { required: string[] }> } }).components;
    expect(components.schemas.Error!.required).toEqual(['error', 'message']);
    const read = doc.paths['/v1/conversations/{id}']!.get!;
    expect(JSON.stringify(read.responses['200'])).toContain('#/components/schemas/Conversation');
  });
});
