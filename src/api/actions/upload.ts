import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ChannelContext } from '../../channels/context.ts';
import { ApiError, sendError } from '../../http/errors.ts';
import type { Uploads } from './uploads.ts';

/** As `message.sent` attachments take them (events/types/message.ts, attachmentSchema). */
const MIME = /^[^\s/]+\/[^\s/;]+/;
const MAX_FILENAME = 255;

/** The name without a client's folders or control characters, at most 255 characters with its extension kept. */
export function uploadFilename(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop()!.replace(/[\x00-\x1f\x7f]/g, '').trim();
  if (base === '' || base === '.' || base === '..') return 'file';
  if (base.length <= MAX_FILENAME) return base;
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 && base.length - dot <= 16 ? base.slice(dot) : '';
  return base.slice(0, MAX_FILENAME - ext.length) + ext;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The multipart reader's refusals, each named; anything else it throws is a malformed body. */
function refusal(reply: FastifyReply, err: Error & { code?: string }, maxBytes: number): FastifyReply {
  if (err instanceof ApiError) throw err;
  switch (err.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return sendError(reply, 413, 'file_too_large', `the file is larger than the ${megabytes(maxBytes)} (${maxBytes} bytes) an attachment may be`, { maxBytes });
    case 'FST_FILES_LIMIT':
      return sendError(reply, 400, 'one_file_only', 'send one file per request: each upload is one attachment');
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return sendError(reply, 400, 'too_many_parts', 'the form has more parts than one file and a few fields');
    case 'FST_PROTO_VIOLATION':
      return sendError(reply, 400, 'forbidden_key', 'a form field is named __proto__, constructor or prototype');
    default:
      return sendError(reply, 400, 'malformed_multipart', `the multipart/form-data body cannot be read: ${err.message.slice(0, 200)}`);
  }
}

/**
 * `POST /v1/attachments` (multipart/form-data, one file): an agent's file, stored for a reply to
 * send. Answers 201 `{key, filename, contentType, size}`; the reply names the key. The key is
 * remembered as the tenant's (Uploads), since the content-addressed store is shared by all.
 * Nothing is on the log until a reply sends it: an upload never sent is a file and a set member.
 */
export function uploadRoute(app: FastifyInstance, ctx: ChannelContext, uploads: Uploads): void {
  const { maxBytes } = ctx.config.channels.attachments;
  const store = ctx.attachments;
  app.register(async (scope) => {
    // Its own plugin: the multipart parser serves this route only.
    await scope.register(multipart, { throwFileSizeLimit: true, limits: { fileSize: maxBytes, files: 1, fields: 8, fieldSize: 1024, parts: 10 } });
    scope.addHook('preParsing', async (request, _reply, payload) => {
      // The server's body deadline (http/timeouts.ts) passes the body on through a stream of its
      // own, which other parsers read; the multipart reader reads the request itself. Left unread,
      // that stream would fill and pause the request: it is drained, and its 408 handed to the
      // request, where the multipart reader hears it.
      if (payload === request.raw) return payload;
      payload.on('error', (err) => request.raw.emit('error', err));
      payload.resume();
      return payload;
    });

    scope.post('/v1/attachments', { config: { access: 'conversations:act' } }, async (request, reply) => {
      if (!request.isMultipart()) return sendError(reply, 415, 'not_multipart', 'upload the file as multipart/form-data, in one part with a filename');
      let file: { filename: string; contentType: string; bytes: Buffer } | undefined;
      try {
        for await (const part of request.parts()) {
          if (part.type !== 'file') continue;
          const bytes = await part.toBuffer();
          // A form's empty file input is a part with no name and no bytes: no file was chosen.
          if (part.filename === '' && bytes.length === 0) continue;
          file = { filename: uploadFilename(part.filename), contentType: MIME.test(part.mimetype) && part.mimetype.length <= 255 ? part.mimetype : 'application/octet-stream', bytes };
        }
      } catch (err) {
        return refusal(reply, err as Error & { code?: string }, maxBytes);
      }
      if (!file) return sendError(reply, 400, 'no_file', 'the form has no file: send the file in a part with a filename');
      if (file.bytes.length === 0) return sendError(reply, 400, 'empty_file', `${JSON.stringify(file.filename)} is empty: there is nothing to send`);
      const key = await store.put(file.bytes);
      await uploads.remember(request.tenant, key);
      return reply.code(201).send({ key, filename: file.filename, contentType: file.contentType, size: file.bytes.length });
    });
  });
}
