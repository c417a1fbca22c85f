import { useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type Erasure } from '../api.ts';
import { fullTime } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import { Failure } from './Failure.tsx';

/** The typed word matches however it is cased, spaces around it aside: the point is a deliberate act, not spelling. */
const matches = (typed: string, word: string) => typed.trim().toLocaleUpperCase() === word.toLocaleUpperCase();

/**
 * Erasing a customer (their right to be forgotten), for admins: a button that opens a dialog saying
 * what erasure does and that it cannot be undone, and which erases only once the admin has typed
 * the confirmation word. The API does the work (`POST /v1/customers/:id/erase`); `onErased` reads
 * the page's data again, so what was personal reads `[erased]` at once.
 */
export function EraseCustomer({ customer, onErased }: { customer: string; onErased: () => Promise<void> }) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  const ids = useId();
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<Erasure | null>(null);
  const word = t('erase.word');

  const open = () => {
    setTyped('');
    setError(null);
    dialog.current?.showModal();
  };
  const erase = async (event: FormEvent) => {
    event.preventDefault();
    if (!matches(typed, word)) return;
    setBusy(true);
    setError(null);
    try {
      const erasure = await api.erase(customer);
      dialog.current?.close();
      setDone(erasure);
      await onErased();
    } catch (err) {
      // The deployment seals nothing (no master keys): say plainly that nothing happened, and why.
      setError(err instanceof ApiError && err.code === 'erasure_unavailable' ? t('erase.unavailable', { reason: err.message }) : messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="erase" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>{t('erase.heading')}</h3>
      <p className="hint">{t('erase.hint')}</p>
      <button type="button" className="danger" onClick={open}>
        {t('erase.open')}
      </button>
      <p role="status" className="ok">
        {done && (done.again ? t('erase.already', { time: fullTime(done.erasedAt) }) : t('erase.done'))}
      </p>

      <dialog ref={dialog} className="panel erase-dialog" aria-labelledby={`${ids}-dialog`} aria-describedby={`${ids}-what`} onClose={() => setTyped('')}>
        <form onSubmit={(e) => void erase(e)}>
          <h2 id={`${ids}-dialog`}>{t('erase.title')}</h2>
          <p className="muted">
            <code>{customer}</code>
          </p>
          <ul id={`${ids}-what`} className="erase-what">
            <li>{t('erase.unreadable')}</li>
            <li>{t('erase.removed')}</li>
            <li>{t('erase.kept')}</li>
            <li>{t('erase.merged')}</li>
            <li>
              <strong>{t('erase.final')}</strong>
            </li>
          </ul>
          <label htmlFor={`${ids}-word`}>{t('erase.type', { word })}</label>
          <input id={`${ids}-word`} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
          <Failure message={error} />
          <div className="dialog-buttons">
            <button type="button" onClick={() => dialog.current?.close()} disabled={busy}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="destructive" disabled={busy || !matches(typed, word)} aria-busy={busy}>
              {busy ? t('erase.erasing') : t('erase.confirm')}
            </button>
          </div>
        </form>
      </dialog>
    </section>
  );
}
