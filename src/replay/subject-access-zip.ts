// yazl's typings call its output a web ReadableStream; it is a Node stream (a PassThrough).
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import type { AttachmentStore } from '../attachments/store.ts';
import type { SubjectAccessExport } from './subject-access.ts';

/**
 * The export as a zip, streamed: `export.json` and the bytes of every file that reached us
 * (`files/<key>`, each once). A file the store no longer has is listed without a `path`.
 */
export async function subjectAccessZip(exported: SubjectAccessExport, store: AttachmentStore): Promise<Readable> {
  const zip = new ZipFile();
  const added = new Set<string>();
  for (const file of exported.files) {
    if (!file.key || !file.path || added.has(file.key)) continue;
    const blob = await store.open(file.key);
    if (!blob) {
      delete file.path;
      continue;
    }
    zip.addReadStream(blob.stream, file.path, { size: blob.size });
    added.add(file.key);
  }
  zip.addBuffer(Buffer.from(`${JSON.stringify(exported, null, 2)}\n`), 'export.json');
  zip.end();
  return zip.outputStream as unknown as Readable;
}
