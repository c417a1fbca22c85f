import type { TranscriptAttachment } from '../api.ts';
import { locale } from '../i18n.ts';
import { useTranslation } from '../i18n.ts';

/** Pictures the API serves for showing in the page (others are downloads; SVG never runs here). */
const PREVIEWED = /^image\/(png|jpeg|gif|webp)$/;

/** 3.2 MB, 540 kB, 12 B: in the person's language. */
export function fileSize(bytes: number): string {
  const [value, unit] = bytes >= 1_000_000 ? [bytes / 1_000_000, 'megabyte'] : bytes >= 1_000 ? [bytes / 1_000, 'kilobyte'] : [bytes, 'byte'];
  return new Intl.NumberFormat(locale(), { style: 'unit', unit, unitDisplay: 'narrow', maximumFractionDigits: 1 }).format(value);
}

/**
 * The files of a transcript line: a picture shown small (opening it full size), any other file as a
 * link with its size; one still being fetched from the provider, or never to be, says so.
 */
export function Attachments({ files, conversationId }: { files: TranscriptAttachment[]; conversationId: string }) {
  const { t } = useTranslation();
  return (
    <ul className="attachments" aria-label={t('entry.attachments')}>
      {files.map((file, i) => {
        const url = file.key ? `/v1/conversations/${encodeURIComponent(conversationId)}/attachments/${file.key}` : null;
        return (
          <li key={`${i}-${file.filename}`} className={`attachment${url ? '' : ' attachment-waiting'}`} data-state={url ? 'stored' : file.unavailable ? 'unavailable' : 'fetching'}>
            {url && PREVIEWED.test(file.contentType) ? (
              <a href={url} target="_blank" rel="noopener" aria-label={t('entry.open', { name: file.filename })}>
                <img src={url} alt={file.filename} loading="lazy" className="attachment-preview" />
              </a>
            ) : url ? (
              <a href={url} download={file.filename}>
                {file.filename}
              </a>
            ) : (
              <span>{file.filename}</span>
            )}
            <span className="hint">
              {' '}
              {/* A preview shows no name of its own: the line under it says which file, and how large. */}
              {file.unavailable ? t('entry.unavailable', { reason: file.unavailable }) : url ? `${PREVIEWED.test(file.contentType) ? `${file.filename} · ` : ''}${fileSize(file.size)}` : t('entry.fetching')}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
