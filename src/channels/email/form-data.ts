import busboy from 'busboy';

export interface FormFile {
  field: string;
  filename: string | undefined;
  contentType: string;
  content: Buffer;
}

/** A multipart/form-data body: field values as bytes (their charset is the sender's to say), files. */
export interface FormParts {
  fields: Map<string, Buffer>;
  files: FormFile[];
}

/** A form we cannot read: the webhook answers 400 and keeps the body. */
export class FormDataError extends Error {
  override name = 'FormDataError';
}

/**
 * Reads a buffered multipart/form-data body with busboy. Fields are decoded as latin1 and turned back
 * into bytes, so their original bytes survive: SendGrid names each field's charset in a separate
 * `charsets` field (and `email` in raw mode is a MIME message whose parts name their own).
 */
export function readFormData(body: Buffer, contentType: string, maxBytes: number): Promise<FormParts> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, Buffer>();
    const files: FormFile[] = [];
    const fail = (message: string) => reject(new FormDataError(message));
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        defCharset: 'latin1',
        limits: { fieldSize: maxBytes, fileSize: maxBytes, fields: 200, files: 100, parts: 300 },
      });
    } catch (err) {
      return fail((err as Error).message);
    }
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(`form field ${JSON.stringify(name)} is larger than ${maxBytes} bytes`);
      fields.set(name, Buffer.from(value, 'latin1'));
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.truncated) return fail(`form file ${JSON.stringify(field)} is larger than ${maxBytes} bytes`);
        files.push({ field, filename: info.filename, contentType: info.mimeType, content: Buffer.concat(chunks) });
      });
    });
    for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit'] as const) parser.on(limit, () => fail(`the form has too many parts (${limit})`));
    parser.on('error', (err) => fail(`not a readable multipart/form-data body: ${(err as Error).message}`));
    parser.on('close', () => resolve({ fields, files }));
    parser.end(body);
  });
}
