import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest, RequestPayload } from 'fastify';
import { ApiError } from './errors.ts';

/** Whether a request says a body follows (Content-Length above zero, or a Transfer-Encoding). */
export function expectsBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A preParsing hook: the body must have arrived `ms` after parsing began, else the request is
 * answered 408 `request_timeout` (in our JSON shape, connection closed). Without it, a client that
 * trickles its body or sends less than its Content-Length holds the request until the route's
 * handler timeout answers 503 "retry later", which is wrong: the client is at fault.
 */
export function bodyDeadline(ms: number) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: RequestPayload): Promise<RequestPayload> => {
    if (!expectsBody(request.raw)) return payload;
    const out = new PassThrough();
    const stop = () => clearTimeout(timer);
    const timer = setTimeout(() => {
      payload.unpipe(out);
      payload.pause();
      reply.header('connection', 'close');
      out.destroy(new ApiError(408, 'request_timeout', `the request body did not arrive within ${ms} ms (sent slower than that, or shorter than its Content-Length)`));
    }, ms);
    payload.once('end', stop);
    payload.once('error', (err) => {
      stop();
      out.destroy(err);
    });
    out.once('close', stop);
    // Answered before the body was read through (refused, too large, timed out): stop reading it.
    reply.raw.once('finish', () => {
      stop();
      if (!payload.readableEnded) payload.unpipe(out);
    });
    payload.pipe(out);
    return out;
  };
}

/**
 * Node's HTTP parser refused the request, or it did not arrive in time (`requestTimeout`, the
 * backstop of the body deadline, and `headersTimeout`): answered in the JSON shape of every other
 * error (`{error, message}`), then the connection is closed. Nothing is written when a response is
 * already under way on this socket.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request did not arrive in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request headers are larger than the server accepts']
        : [400, 'malformed_request', `the request is not well-formed HTTP/1.1 (${err.code ?? 'parse error'}${'reason' in err && typeof err.reason === 'string' ? `: ${err.reason}` : ''})`];
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true) {
    const body = JSON.stringify({ error: code, message });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
