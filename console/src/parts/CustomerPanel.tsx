import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, type Conversation, type CustomerView, type Session } from '../api.ts';
import { fullTime, identityName, shortTime, statusName, topicOf } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import { useLiveRefresh } from '../live.ts';
import { Link } from '../router.tsx';
import { can } from '../session.ts';
import { EraseCustomer } from './EraseCustomer.tsx';
import { Failure } from './Failure.tsx';

/** The conversation's customer as one person: merged customers included, read again on change. */
export function useCustomer(customer: string | undefined): { view: CustomerView | null; error: string | null; reload: () => Promise<void> } {
  const [view, setView] = useState<CustomerView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    if (!customer) return;
    try {
      setView(await api.customer(customer));
      setError(null);
    } catch (err) {
      setError(messageOf(err));
    }
  }, [customer]);
  useEffect(() => {
    if (!customer) return undefined;
    let current = true;
    api.customer(customer).then(
      (found) => current && setView(found),
      (err: unknown) => current && setError(messageOf(err)),
    );
    return () => {
      current = false;
    };
  }, [customer]);
  useLiveRefresh(reload);
  return { view, error, reload };
}

/**
 * Who the customer is: their identities on every channel, their earlier conversations, the answers
 * to this conversation's surveys; and, for those who may, merging another customer into this one
 * and (admins: `customers:data`) erasing the customer, after which `onErased` reads the page again.
 */
export function CustomerPanel({ session, conversation, customer, onErased }: { session: Session; conversation: Conversation; customer: ReturnType<typeof useCustomer>; onErased: () => Promise<void> }) {
  const { t } = useTranslation();
  const { view, error } = customer;
  const earlier = view?.conversations.filter((c) => c.id !== conversation.id) ?? [];
  const surveys = conversation.surveys ?? [];
  return (
    <aside className="panel customer" aria-labelledby="customer-title">
      <h2 id="customer-title">{t('customer.title')}</h2>
      <Failure message={error} />
      <p className="customer-id">
        <code>{conversation.customer}</code>
        {view?.mergedInto && <span className="muted"> → {view.mergedInto}</span>}
      </p>
      <h3>{t('customer.identities')}</h3>
      {view ? (
        <ul className="identities">
          {view.customer.identities.map((i) => (
            <li key={`${i.channel}/${i.provider}/${i.handle}`}>
              {identityName(i)} <span className="muted">{t('customer.since', { time: shortTime(i.firstSeenAt) })}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('app.loading')}</p>
      )}
      <h3>{t('customer.surveys')}</h3>
      {surveys.length === 0 ? (
        <p className="muted">{t('customer.noSurveys')}</p>
      ) : (
        <ul className="surveys">
          {surveys.map((s) => (
            <li key={s.id} data-survey={s.kind}>
              <strong>{s.kind.toUpperCase()}</strong>{' '}
              {s.score !== null ? (
                <span className="score">{t('customer.score', { score: s.score, of: s.kind === 'csat' ? 5 : 10 })}</span>
              ) : (
                <span className="muted">{t('customer.awaiting')}</span>
              )}{' '}
              <span className="muted">
                {t('customer.surveySent', { time: fullTime(s.sentAt) })}
                {s.answeredAt ? ` · ${t('customer.answered', { time: fullTime(s.answeredAt) })}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h3>{t('customer.earlier')}</h3>
      {earlier.length === 0 ? (
        <p className="muted">{t('customer.noEarlier')}</p>
      ) : (
        <ul className="earlier">
          {earlier.map((c) => (
            <li key={c.id}>
              <Link to={`/conversations/${encodeURIComponent(c.id)}`}>{topicOf(c)}</Link> <span className={`status status-${c.status}`}>{statusName(c.status)}</span>{' '}
              <span className="muted">{shortTime(c.openedAt)}</span>
            </li>
          ))}
        </ul>
      )}
      {can(session, 'customers:merge') && <MergeForm survivor={conversation.customer} onMerged={customer.reload} />}
      {/* Keyed: another customer's panel starts with nothing said of an erasure. */}
      {can(session, 'customers:data') && <EraseCustomer key={conversation.customer} customer={conversation.customer} onErased={onErased} />}
    </aside>
  );
}

/** Merge another customer (the same person, written from elsewhere) into this one. */
function MergeForm({ survivor, onMerged }: { survivor: string; onMerged: () => Promise<void> }) {
  const { t } = useTranslation();
  const [from, setFrom] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone('');
    try {
      await api.merge(survivor, from.trim());
      setDone(t('customer.merged', { from: from.trim() }));
      setFrom('');
      await onMerged();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="merge" onSubmit={(e) => void submit(e)}>
      <h3>
        <label htmlFor="merge-from">{t('customer.mergeLabel')}</label>
      </h3>
      <p className="hint" id="merge-hint">
        {t('customer.mergeHint')}
      </p>
      <div className="inline">
        <input id="merge-from" required value={from} onChange={(e) => setFrom(e.target.value)} aria-describedby="merge-hint" />
        <button type="submit" disabled={busy}>
          {t('customer.merge')}
        </button>
      </div>
      <Failure message={error} />
      <p role="status" className="ok">
        {done}
      </p>
    </form>
  );
}
