import { useEffect, useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { useTranslation } from '../i18n.ts';
import { Failure } from '../parts/Failure.tsx';

const WORKSPACE = 'console.workspace';

/** E-mail, workspace (the tenant) and password; the workspace is remembered for next time. */
export function SignIn({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [tenant, setTenant] = useState(() => window.localStorage.getItem(WORKSPACE) ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = `${t('signIn.title')} · ${t('app.name')}`;
  }, [t]);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn({ tenant: tenant.trim(), email: email.trim(), password });
      window.localStorage.setItem(WORKSPACE, tenant.trim());
      await onSignedIn();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <form className="panel sign-in-card" onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <p className="brand">
          <span className="brand-mark" aria-hidden="true" />
          {t('app.name')}
        </p>
        <h1 id="sign-in-title" tabIndex={-1}>
          {t('signIn.title')}
        </h1>
        <Failure message={error} />
        <label htmlFor="email">{t('signIn.email')}</label>
        <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <label htmlFor="tenant">{t('signIn.workspace')}</label>
        <input id="tenant" autoComplete="organization" autoCapitalize="none" spellCheck={false} required pattern="[A-Za-z0-9._\-]+" value={tenant} onChange={(e) => setTenant(e.target.value)} aria-describedby="tenant-hint" />
        <p id="tenant-hint" className="hint">
          {t('signIn.workspaceExample')} <code>acme</code>.
        </p>
        <label htmlFor="password">{t('signIn.password')}</label>
        <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('signIn.busy') : t('signIn.submit')}
        </button>
      </form>
    </main>
  );
}
