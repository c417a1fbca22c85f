import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, type CannedResponse, type Session } from '../api.ts';
import { fullTime } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import { can } from '../session.ts';
import { Failure } from '../parts/Failure.tsx';

const EMPTY = { shortcut: '', title: '', text: '' };

/**
 * The workspace's canned responses: every agent reads them (and inserts them with `/shortcut` in
 * the composer); admins add, change and remove them here.
 */
export function CannedResponses({ session }: { session: Session }) {
  const { t } = useTranslation();
  const admin = can(session, 'settings:admin');
  const [responses, setResponses] = useState<CannedResponse[] | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [form, setForm] = useState(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    () =>
      api.canned().then(
        (r) => setResponses(r.responses),
        (err: unknown) => setError(messageOf(err)),
      ),
    [],
  );
  useEffect(() => {
    document.title = `${t('canned.title')} · ${t('app.name')}`;
    void load();
  }, [load, t]);

  const run = async (what: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setError(null);
    setDone('');
    try {
      await what();
      setDone(message);
      setEditing(null);
      setForm(EMPTY);
      await load();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const input = { shortcut: form.shortcut.trim(), title: form.title.trim(), text: form.text };
    void run(() => (editing ? api.changeCanned(editing, input) : api.createCanned(input)), editing ? t('canned.changed') : t('canned.added', { shortcut: input.shortcut }));
  };

  return (
    <div className="canned-page">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>{t('canned.title')}</h1>
          <p className="muted">{t('canned.hint')}</p>
        </div>
      </div>
      <Failure message={error} />
      <p role="status" className="ok">
        {done}
      </p>
      {admin && (
        <form className="panel canned-form" onSubmit={submit} aria-labelledby="canned-form-title">
          <h2 id="canned-form-title">{editing ? t('canned.edit') : t('canned.add')}</h2>
          <label htmlFor="canned-shortcut">{t('canned.shortcut')}</label>
          <input id="canned-shortcut" required pattern="[a-z0-9_\-]{1,32}" value={form.shortcut} onChange={(e) => setForm({ ...form, shortcut: e.target.value })} aria-describedby="canned-shortcut-hint" />
          <p id="canned-shortcut-hint" className="hint">
            {t('canned.shortcutHint')}
          </p>
          <label htmlFor="canned-title">{t('canned.name')}</label>
          <input id="canned-title" required maxLength={100} value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} />
          <label htmlFor="canned-text">{t('canned.text')}</label>
          <textarea id="canned-text" required rows={4} maxLength={4000} value={form.text} onChange={(e) => setForm({ ...form, text: e.target.value })} aria-describedby="canned-text-hint" />
          <p id="canned-text-hint" className="hint">
            {t('canned.placeholders')} <code>{'{{customer.name}}'}</code> <code>{'{{customer.handle}}'}</code> <code>{'{{agent.name}}'}</code> <code>{'{{conversation.id}}'}</code>
          </p>
          <div className="composer-actions">
            <button type="submit" className="primary" disabled={busy}>
              {editing ? t('common.save') : t('canned.add')}
            </button>
            {editing && (
              <button
                type="button"
                className="quiet"
                onClick={() => {
                  setEditing(null);
                  setForm(EMPTY);
                }}
              >
                {t('common.cancel')}
              </button>
            )}
          </div>
        </form>
      )}
      <section className="panel" aria-labelledby="canned-list-title">
        <h2 id="canned-list-title">{t('canned.list', { count: responses?.length ?? 0 })}</h2>
        {responses === null ? (
          <p className="muted">{t('app.loading')}</p>
        ) : responses.length === 0 ? (
          <p className="empty">{t('canned.none')}</p>
        ) : (
          <table className="conversations canned-table">
            <thead>
              <tr>
                <th scope="col">{t('canned.shortcut')}</th>
                <th scope="col">{t('canned.name')}</th>
                <th scope="col">{t('canned.text')}</th>
                <th scope="col">{t('canned.updated')}</th>
                {admin && <th scope="col">{t('canned.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {responses.map((r) => (
                <tr key={r.id}>
                  <td>
                    <code>/{r.shortcut}</code>
                  </td>
                  <td>{r.title}</td>
                  <td className="canned-text">{r.text}</td>
                  <td>
                    <time dateTime={r.updatedAt}>{fullTime(r.updatedAt)}</time>
                  </td>
                  {admin && (
                    <td className="row-actions">
                      <button
                        type="button"
                        className="quiet"
                        aria-label={t('canned.editOne', { shortcut: r.shortcut })}
                        onClick={() => {
                          setEditing(r.id);
                          setForm({ shortcut: r.shortcut, title: r.title, text: r.text });
                        }}
                      >
                        {t('canned.editShort')}
                      </button>
                      <button type="button" className="quiet danger" aria-label={t('canned.deleteOne', { shortcut: r.shortcut })} disabled={busy} onClick={() => void run(() => api.deleteCanned(r.id), t('canned.deleted', { shortcut: r.shortcut }))}>
                        {t('canned.delete')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
