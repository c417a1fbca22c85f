import type { FastifyInstance } from 'fastify';
import type { AttachmentStore } from '../../attachments/store.ts';
import { sendError } from '../../http/errors.ts';
import { checkMediaLink } from '../../http/media-links.ts';
import { PUBLIC } from '../../http/route-access.ts';

/**
 * Shown in the browser only when harmless there. Anything else (HTML, SVG, scripts) is a download:
 * served inline from the console's own origin it could run with a signed-in agent's cookie.
 */
const INLINE = /^(?:image\/(?:png|jpe?g|gif|webp|bmp)|audio\/[\w.+-]+|video\/[\w.+-]+|application\/pdf)$/i;
const MIME = /^[^\s/;]+\/[^\s/;]+(?:\s*;.*)?$/;

/** RFC 6266: an ASCII fallback for old clients and the name itself, percent-encoded (RFC 8187). */
function disposition(kind: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * `GET /media/:key/:filename?t=<type>&e=<expiry>&s=<signature>`: a file of our attachment store,
 * for a link the outbound connectors signed (src/http/media-links.ts). No sign-in: providers fetch
 * these (Twilio also with HEAD, which Fastify answers from this route) and so do chat visitors.
 * An unsigned, changed or expired link is 403 with the reason; a file no longer stored, 404.
 */
export function mediaRoutes(app: FastifyInstance, deps: { store: AttachmentStore; linkSecret: string; now?: () => Date }): void {
  app.get<{ Params: { key: string; filename: string }; Querystring: { t?: string; e?: string; s?: string } }>('/media/:key/:filename', { config: PUBLIC }, async (request, reply) => {
    const { key, filename } = request.params;
    const contentType = request.query.t ?? '';
    const check = checkMediaLink(deps.linkSecret, { key, filename, contentType }, request.query, deps.now?.() ?? new Date());
    if (!check.ok) return sendError(reply, 403, check.code, check.message);
    // Signed by us, so a type we wrote; checked all the same, as it goes into a header.
    if (!MIME.test(contentType)) return sendError(reply, 403, 'link_invalid', 'this media link names no usable content type');
    const opened = await deps.store.open(key);
    if (!opened) return sendError(reply, 404, 'not_found', 'this file is no longer kept');
    const inline = INLINE.test(contentType.split(';')[0]!.trim());
    return (
      reply
        .header('content-type', contentType)
        .header('content-length', String(opened.size))
        .header('content-disposition', disposition(inline ? 'inline' : 'attachment', filename))
        // The bytes under a key never change; the link's expiry bounds how long it is worth keeping.
        .header('cache-control', 'private, max-age=3600')
        // A chat widget on the customer's site shows these, so another origin may load them; nothing in them may run.
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(opened.stream)
    );
  });
}
