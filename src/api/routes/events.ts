import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AnyEvent, ParseIssue } from '../../../events/index.ts';
import { LogUnavailableError, RecordTooLargeError, type EventLog } from '../../log/event-log.ts';
import { recordBytes } from '../../log/record-size.ts';
import { toRecord } from '../../log/record.ts';
import { parseNdjsonBuffer, type NdjsonLine } from '../../ndjson/codec.ts';
import { IngestInProgressError, type AppendClaims } from '../../channels/claims.ts';
import type { RejectedInputSink } from '../../channels/rejected.ts';
import { ApiError, sendError } from '../../http/errors.ts';
import { jsonBodyProblem } from '../../http/input.ts';

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
  /** Appends each event id at most once per tenant (without: every POST appends). */
  claims?: AppendClaims;
  /** The largest Kafka record (`kafka.maxRecordBytes`): a larger event is refused 413 `event_too_large`. */
  maxRecordBytes: number;
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
 * An event id the tenant already has on the log is not appended again: the answer is the same 202,
 * with those ids listed under `duplicates` (so is an id the body repeats); 503 `in_progress` while
 * another request is appending one of them.
 */
export function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): void {
  // Scoped to this plugin: the body is kept as text so each line is parsed (and reported) by the event contract.
  app.removeAllContentTypeParsers();
  // Read as bytes: JSON is UTF-8 (invalid bytes are refused, never replaced), nested sanely.
  app.addContentTypeParser([...SINGLE_TYPES, ...BATCH_TYPES], { parseAs: 'buffer', bodyLimit: deps.bodyLimit }, (request, body, done) => {
    const bytes = body as Buffer;
    const problem = jsonBodyProblem(request.headers['content-type'], bytes, { lines: BATCH_TYPES.includes(mediaTypeOf(request)) });
    if (problem) return done(problem, undefined);
    done(null, bytes.toString('utf8'));
  });

  app.post('/events', { handlerTimeout: deps.timeoutMs, config: { access: 'events:write' } }, async (request, reply) => {
    const lines = parseBody(request);
    if (lines.length === 0) throw new ApiError(400, 'no_events', 'the body holds no event');
    // An event is never much larger re-serialised than as sent (defaults, key and headers): a body well
    // under a record needs no measuring, event by event.
    const bodyBytes = typeof request.body === 'string' ? Buffer.byteLength(request.body) : 0;
    const measure = bodyBytes + RECORD_OVERHEAD_BYTES > deps.maxRecordBytes ? deps.maxRecordBytes : undefined;
    const rejected = lines.flatMap((l) => rejection(l, request.tenant, measure));
    if (rejected.length > 0) {
      request.log.info({ tenant: request.tenant, lines: lines.length, rejected: rejected.length, codes: [...new Set(rejected.map((r) => r.code))] }, 'events rejected');
      // Kept before answering: an adapter author can find what was refused and why, nothing vanishes.
      try {
        await deps.rejected?.keep({
          tenant: request.tenant,
          provider: 'api',
          contentType: request.headers['content-type'],
          body: typeof request.body === 'string' ? request.body : '',
          reason: rejected.slice(0, 10).map((r) => `line ${r.line}: ${r.code}: ${r.message}`).join('; '),
          receivedAt: new Date().toISOString(),
          items: rejected.length,
        });
      } catch (err) {
        // Refusing what could not be kept would lose it: the sender is asked to send it again.
        request.log.warn({ tenant: request.tenant, reason: (err as Error).message }, 'refused events not kept');
        reply.header('retry-after', String(deps.retryAfterSeconds));
        return sendError(reply, 503, 'log_unavailable', 'the refused events could not be kept; retry later');
      }
      // Only too large: 413, which says what to do (send it smaller); any other fault: 400.
      const tooLarge = rejected.every((r) => r.code === EVENT_TOO_LARGE);
      const [status, code] = tooLarge ? [413, EVENT_TOO_LARGE] : [400, 'invalid_events'];
      return sendError(reply, status, code, `${rejected.length} of ${lines.length} events are ${tooLarge ? `larger than a Kafka record (${deps.maxRecordBytes} bytes)` : 'invalid'}; none was published`, {
        rejected: rejected.slice(0, MAX_REJECTED_SHOWN),
        rejectedCount: rejected.length,
      });
    }
    const events = lines.map((l) => (l.result.ok ? l.result.event : unreachable()));
    const appendAll = async (batch: AnyEvent[]) => {
      for (const slice of slices(batch)) await deps.eventLog.append(slice);
    };
    const duplicates: string[] = [];
    try {
      if (deps.claims) {
        // The first line with an id is the one appended; a later line with the same id is a duplicate.
        const distinct = new Map<string, AnyEvent>();
        for (const event of events) if (!distinct.has(event.id)) distinct.set(event.id, event);
        const entries = [...distinct.values()].map((event) => ({ id: event.id, events: [event] }));
        const outcomes = await deps.claims.appendOnce(request.tenant, entries, { append: appendAll });
        const appended = new Set(entries.filter((_, i) => outcomes[i] === 'appended').map((entry) => entry.id));
        // In line order: every line but the one its id was appended for now.
        for (const event of events) if (distinct.get(event.id) !== event || !appended.has(event.id)) duplicates.push(event.id);
      } else {
        await appendAll(events);
      }
    } catch (err) {
      if (err instanceof IngestInProgressError) {
        reply.header('retry-after', String(deps.retryAfterSeconds));
        return sendError(reply, 503, 'in_progress', 'another request is appending some of these events; retry later (nothing is appended twice)');
      }
      // Measured above; the broker's own limit may still be lower than the configured one.
      if (err instanceof RecordTooLargeError) return sendError(reply, 413, EVENT_TOO_LARGE, `${err.message}; nothing more was published`);
      if (!(err instanceof LogUnavailableError)) throw err;
      request.log.warn({ tenant: request.tenant, events: events.length, reason: err.message }, 'event log unavailable');
      reply.header('retry-after', String(deps.retryAfterSeconds));
      return sendError(reply, 503, 'log_unavailable', 'the event log is unavailable; retry later (nothing is lost by sending the same events again)');
    }
    request.log.info({ tenant: request.tenant, accepted: events.length, ...(duplicates.length > 0 ? { duplicates: duplicates.length } : {}) }, 'events accepted');
    return reply.code(202).send({ accepted: events.length, ids: events.map((e) => e.id), ...(duplicates.length > 0 ? { duplicates } : {}) });
  });
}

const mediaTypeOf = (request: FastifyRequest) => (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

function parseBody(request: FastifyRequest): NdjsonLine[] {
  const body = typeof request.body === 'string' ? request.body : '';
  if (BATCH_TYPES.includes(mediaTypeOf(request))) return parseNdjsonBuffer(body);
  // One envelope, possibly pretty-printed over many lines: the whole body is line 1.
  const single = parseNdjsonBuffer(body.replace(/\r?\n/g, ' '));
  return single.map((l) => ({ ...l, line: 1 }));
}

const EVENT_TOO_LARGE = 'event_too_large';
/** What a record adds to the envelope as sent, at most: the key, header copies, defaults filled in. */
const RECORD_OVERHEAD_BYTES = 64 * 1024;

/** `maxRecordBytes` undefined: the body is too small for any of its events to be too large. */
function rejection({ line, result }: NdjsonLine, tenant: string, maxRecordBytes: number | undefined): RejectedLine[] {
  if (!result.ok) {
    const { code, message, issues, envelope } = result.error;
    // A line longer than the reader takes is no record either: named for its size, not its syntax.
    const tooLong = issues.some((i) => i.code === 'too_long');
    return [{ line, code: tooLong ? EVENT_TOO_LARGE : code, message, issues, ...(envelope ? { id: envelope.id } : {}) }];
  }
  if (result.event.tenant !== tenant) {
    const message = `tenant "${result.event.tenant}" is not the tenant of this API key`;
    return [{ line, code: 'tenant_mismatch', message, issues: [{ path: ['tenant'], message, code: 'tenant_mismatch' }], id: result.event.id }];
  }
  if (result.event.type === 'account.changed') {
    const message = 'account.changed is the audit trail of access changes, written by the engine only';
    return [{ line, code: 'reserved_type', message, issues: [{ path: ['type'], message, code: 'reserved_type' }], id: result.event.id }];
  }
  // Who caused an event is the server's word (the API stamps agents' actions): a publisher cannot claim it.
  const claimed = (['authtype', 'authid', 'authclaims'] as const).filter((a) => result.event[a] !== undefined);
  if (claimed.length > 0) {
    const message = `${claimed.join(', ')} ${claimed.length === 1 ? 'is' : 'are'} set by the server from who authenticated, never by a publisher`;
    return [{ line, code: 'reserved_attribute', message, issues: claimed.map((a) => ({ path: [a], message, code: 'reserved_attribute' })), id: result.event.id }];
  }
  // Checked before anything is published: a batch is all or nothing, and the broker would refuse it.
  if (maxRecordBytes === undefined) return [];
  const bytes = recordBytes(toRecord(result.event));
  if (bytes <= maxRecordBytes) return [];
  const message = `the event is ${bytes} bytes as a Kafka record; the limit is ${maxRecordBytes}`;
  return [{ line, code: EVENT_TOO_LARGE, message, issues: [{ path: [], message, code: EVENT_TOO_LARGE }], id: result.event.id }];
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
