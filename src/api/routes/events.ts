import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AnyEvent, ParseIssue } from '../../../events/index.ts';
import { LogUnavailableError, type EventLog } from '../../log/event-log.ts';
import { parseNdjsonBuffer, type NdjsonLine } from '../../ndjson/codec.ts';
import type { RejectedInputSink } from '../../channels/rejected.ts';
import { ApiError, sendError } from '../../http/errors.ts';

export interface EventRouteDeps {
  eventLog: EventLog;
  /** Largest body accepted, in bytes; a larger one is answered 413. */
  bodyLimit: number;
  /** Seconds a sender is asked to wait before retrying when Kafka is unavailable. */
  retryAfterSeconds: number;
  /** The route's handler timeout: longer than Kafka may take to acknowledge. */
  timeoutMs: number;
  /** Where a refused body is kept, raw, with the reason (the rejected-input topic). */
  rejected?: RejectedInputSink;
}

/** One line the batch was refused for. */
export interface RejectedLine {
  line: number;
  code: string;
  message: string;
  issues: ParseIssue[];
  /** The envelope's id, when the attributes could be read. */
  id?: string;
}

const SINGLE_TYPES = ['application/json', 'application/cloudevents+json'];
const BATCH_TYPES = ['application/x-ndjson', 'application/ndjson'];
/** A body full of bad lines would answer with a larger body still: the reply lists this many. */
const MAX_REJECTED_SHOWN = 100;
/**
 * Appends go to Kafka in slices of about this many bytes, well under the broker's default
 * message.max.bytes (1 MiB) per partition batch, so a large HTTP batch is never refused whole.
 */
const APPEND_SLICE_BYTES = 512 * 1024;

/**
 * `POST /v1/events`: one envelope (JSON / structured CloudEvent) or an NDJSON batch. All or nothing:
 * every line is validated before anything is published; 202 only once Kafka acknowledged them all.
 */
export function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  // Scoped to this plugin: the body is kept as text so each line is parsed (and reported) by the event contract.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([...SINGLE_TYPES, ...BATCH_TYPES], { parseAs: 'string', bodyLimit: deps.bodyLimit }, (_request, body, done) => done(null, body));

  app.post('/events', { handlerTimeout: deps.timeoutMs }, async (request, reply) => {
    const lines = parseBody(request);
    if (lines.length === 0) throw new ApiError(400, 'no_events', 'the body holds no event');
    const rejected = lines.flatMap((l) => rejection(l, request.tenant));
    if (rejected.length > 0) {
      request.log.info({ tenant: request.tenant, lines: lines.length, rejected: rejected.length, codes: [...new Set(rejected.map((r) => r.code))] }, 'events rejected');
      // Kept before answering: an adapter author can find what was refused and why, nothing vanishes.
      await deps.rejected?.keep({
        tenant: request.tenant,
        provider: 'api',
        contentType: request.headers['content-type'],
        body: typeof request.body === 'string' ? request.body : '',
        reason: rejected.slice(0, 10).map((r) => `line ${r.line}: ${r.code}: ${r.message}`).join('; '),
        receivedAt: new Date().toISOString(),
      });
      return sendError(reply, 400, 'invalid_events', `${rejected.length} of ${lines.length} events are invalid; none was published`, {
        rejected: rejected.slice(0, MAX_REJECTED_SHOWN),
        rejectedCount: rejected.length,
      });
    }
    const events = lines.map((l) => (l.result.ok ? l.result.event : unreachable()));
    try {
      for (const slice of slices(events)) await deps.eventLog.append(slice);
    } catch (err) {
      if (!(err instanceof LogUnavailableError)) throw err;
      request.log.warn({ tenant: request.tenant, events: events.length, reason: err.message }, 'event log unavailable');
      reply.header('retry-after', String(deps.retryAfterSeconds));
      return sendError(reply, 503, 'log_unavailable', 'the event log is unavailable; retry later (nothing is lost by sending the same events again)');
    }
    request.log.info({ tenant: request.tenant, accepted: events.length }, 'events accepted');
    return reply.code(202).send({ accepted: events.length, ids: events.map((e) => e.id) });
  });
}

function parseBody(request: FastifyRequest): NdjsonLine[] {
  const body = typeof request.body === 'string' ? request.body : '';
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (BATCH_TYPES.includes(mediaType)) return parseNdjsonBuffer(body);
  // One envelope, possibly pretty-printed over many lines: the whole body is line 1.
  const single = parseNdjsonBuffer(body.replace(/\r?\n/g, ' '));
  return single.map((l) => ({ ...l, line: 1 }));
}

function rejection({ line, result }: NdjsonLine, tenant: string): RejectedLine[] {
  if (!result.ok) {
    const { code, message, issues, envelope } = result.error;
    return [{ line, code, message, issues, ...(envelope ? { id: envelope.id } : {}) }];
  }
  if (result.event.tenant === tenant) return [];
  const message = `tenant "${result.event.tenant}" is not the tenant of this API key`;
  return [{ line, code: 'tenant_mismatch', message, issues: [{ path: ['tenant'], message, code: 'tenant_mismatch' }], id: result.event.id }];
}

function* slices(events: AnyEvent[]): Generator<AnyEvent[]> {
  let slice: AnyEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event));
    if (slice.length > 0 && bytes + size > APPEND_SLICE_BYTES) {
      yield slice;
      slice = [];
      bytes = 0;
    }
    slice.push(event);
    bytes += size;
  }
  if (slice.length > 0) yield slice;
}

function unreachable(): never {
  throw new Error('a rejected line passed validation');
}
