import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, messageOf, type Session } from '../api.ts';
import { fullTime } from '../format.ts';
import { LANGUAGE_NAMES, LANGUAGES, useTranslation } from '../i18n.ts';
import { Failure } from '../parts/Failure.tsx';

/** Zones the browser knows (every IANA zone in current browsers); the person's own first. */
function zones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([current, 'UTC', ...known])];
}

/** The person's language and time zone: the console follows them on every page and device. */
export function Profile({ session, onChanged }: { session: Session; onChanged: () => Promise<void> }) {
  const { t } = useTranslation();
  const account = session.account!;
  const [language, setLanguage] = useState(account.language ?? 'en');
  const [timeZone, setTimeZone] = useState(account.timeZone ?? 'UTC');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Said at render, not when saved: the language may just have changed, and `t` is the old one's.
  const [done, setDone] = useState(false);
  const options = useMemo(() => zones(account.timeZone ?? 'UTC'), [account.timeZone]);

  useEffect(() => {
    document.title = `${t('profile.title')} · ${t('app.name')}`;
  }, [t]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api.preferences({ language, timeZone });
      await onChanged();
      setDone(true);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel profile" aria-labelledby="profile-title">
      <h1 id="profile-title" tabIndex={-1}>
        {t('profile.title')}
      </h1>
      <p className="muted">
        {account.name} · {account.email}
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <Failure message={error} />
        <label htmlFor="language">{t('profile.language')}</label>
        <select id="language" value={language} onChange={(e) => setLanguage(e.target.value)}>
          {LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {LANGUAGE_NAMES[l]}
            </option>
          ))}
        </select>
        <label htmlFor="time-zone">{t('profile.timeZone')}</label>
        <select id="time-zone" value={timeZone} onChange={(e) => setTimeZone(e.target.value)} aria-describedby="zone-hint">
          {options.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
        <p id="zone-hint" className="hint">
          {t('profile.zoneHint', { time: fullTime(new Date().toISOString()) })}
        </p>
        <button type="submit" className="primary" disabled={busy}>
          {t('common.save')}
        </button>
        <p role="status" className="ok">
          {done ? t('profile.saved') : ''}
        </p>
      </form>
    </section>
  );
}
