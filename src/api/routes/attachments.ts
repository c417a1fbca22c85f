import type { FastifyInstance } from 'fastify';
import type { AttachmentStore } from '../../attachments/store.ts';
import { isStoredKey } from '../../domain/attachment-key.ts';
import { notFound } from '../../http/errors.ts';
import { withOutcomes } from '../../projections/views.ts';
import { mayHandle } from '../access.ts';
import type { ReadDeps } from './shared.ts';

/**
 * Types a browser may show in the page (the console previews them): pictures, sound, video. Any
 * other file is served as a download, and every answer carries a sandboxing CSP, so a customer's
 * HTML or SVG is never run in the console's origin.
 */
const SHOWN_INLINE = /^(image\/(png|jpeg|gif|webp)|audio\/[\w.+-]+|video\/[\w.+-]+)$/;

/** `filename*` (RFC 6266 / 8187) keeps any name intact; the ASCII `filename` is for old clients. */
function disposition(kind: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/**
 * `GET /v1/conversations/:id/attachments/:key`: a file of the conversation, to whoever may read the
 * conversation (an agent: theirs or their teams' queues'). The key must be on one of the
 * conversation's lines, so a key seen elsewhere (another tenant's, another customer's) opens nothing
 * here: the store is shared and content-addressed, the right to a file is the conversation's.
 */
export function attachmentRoutes(app: FastifyInstance, { reader, tenants, store }: ReadDeps & { store: AttachmentStore }): void {
  app.get<{ Params: { id: string; key: string } }>('/conversations/:id/attachments/:key', { config: { access: 'conversations:read' } }, async (request, reply) => {
    const { id, key } = request.params;
    const scope = await reader.scope(request.tenant);
    const conversation = await reader.conversation(scope, id);
    if (!conversation) throw notFound('conversation');
    if (!mayHandle(request, reply, tenants(request.tenant).routing, conversation)) return reply;
    if (!isStoredKey(key)) throw notFound('attachment');
    const [[transcript = []], outcomes] = await Promise.all([reader.transcripts(scope, [conversation]), reader.outcomes(scope, conversation)]);
    const file = withOutcomes(transcript, outcomes)
      .flatMap((line) => line.attachments ?? [])
      .find((a) => a.key === key);
    const blob = file && (await store.open(key));
    if (!file || !blob) throw notFound('attachment');
    const inline = SHOWN_INLINE.test(file.contentType);
    return reply
      .header('content-type', file.contentType)
      .header('content-length', blob.size)
      .header('content-disposition', disposition(inline ? 'inline' : 'attachment', file.filename))
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=3600')
      .send(blob.stream);
  });
}
