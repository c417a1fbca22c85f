import type { FastifyReply } from 'fastify';

/** Every error the API answers has this body: a stable machine code and a sentence for humans. */
export interface ErrorBody {
  error: string;
  message: string;
}

/** An expected failure a route reports with its own status and code (never logged as a bug). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const codeByStatus: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  411: 'length_required',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal',
  503: 'unavailable',
};

export function errorCodeFor(status: number): string {
  return codeByStatus[status] ?? (status >= 500 ? 'internal' : 'bad_request');
}

/** The code of each error answer, kept for the request metrics (src/api/http-metrics.ts). */
const sentCodes = new WeakMap<FastifyReply, string>();

export function sendError(reply: FastifyReply, status: number, error: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  sentCodes.set(reply, error);
  return reply.code(status).type('application/json; charset=utf-8').send({ error, message, ...extra });
}

/** The code `sendError` answered this reply with; none when the answer was not one of ours. */
export const errorCodeSent = (reply: FastifyReply): string | undefined => sentCodes.get(reply);

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
