import type { TranscriptEntry } from '../api.ts';
import { fullTime, shortTime, viaName } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import { Attachments } from './Attachments.tsx';

/** One line of the transcript: who, on which channel, when, and (sent messages) what became of it. */
export function Entry({ entry, me, customer, now, conversationId }: { entry: TranscriptEntry; me: string | null; customer: string; now: Date; conversationId: string }) {
  const { t } = useTranslation();
  const author =
    entry.author.kind === 'customer'
      ? customer
      : entry.author.kind === 'agent'
        ? entry.author.id === me
          ? t('details.you', { agent: entry.author.id })
          : entry.author.id
        : t(`author.${entry.author.kind}`, { defaultValue: entry.author.kind });
  const kind = entry.internal ? 'note' : entry.author.kind === 'bot' ? 'bot' : entry.direction;
  const via = viaName(entry.channel, entry.provider);
  const label = entry.internal ? t('entry.note') : entry.direction === 'in' ? t('entry.received', { via }) : t('entry.sent', { via });
  return (
    <li className={`entry entry-${kind}`}>
      <article aria-label={t(entry.internal ? 'entry.noteFrom' : 'entry.messageFrom', { author })}>
        <header className="entry-head">
          <span className="entry-author">{author}</span>
          <span className="entry-kind">{label}</span>
          <time dateTime={entry.at} title={fullTime(entry.at)}>
            {shortTime(entry.at, now)}
          </time>
        </header>
        {entry.subject && <p className="entry-subject">{entry.subject}</p>}
        <p className="entry-text">{entry.text}</p>
        {entry.attachments?.length ? <Attachments files={entry.attachments} conversationId={conversationId} /> : null}
        {entry.direction === 'out' && !entry.internal && <Delivery entry={entry} />}
      </article>
    </li>
  );
}

/** pending (nothing reported yet), then sent, delivered, read; or failed, with the provider's reason. */
function Delivery({ entry }: { entry: TranscriptEntry }) {
  const { t } = useTranslation();
  const status = entry.delivery?.status ?? 'pending';
  return (
    <p className={`delivery delivery-${status}`} data-delivery={status}>
      <span className="delivery-mark" aria-hidden="true" />
      {t(`delivery.${status}`)}
      {entry.delivery && (
        <>
          {' · '}
          <time dateTime={entry.delivery.at}>{fullTime(entry.delivery.at)}</time>
        </>
      )}
      {entry.delivery?.error && <span className="delivery-error"> — {entry.delivery.error}</span>}
    </p>
  );
}
