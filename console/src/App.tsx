import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, messageOf, type Session } from './api.ts';
import { whenSignedOut } from './api.ts';
import { applyPersonLocale, useTranslation } from './i18n.ts';
import { closeStream } from './live.ts';
import { Board } from './pages/Board.tsx';
import { CannedResponses } from './pages/CannedResponses.tsx';
import { ConversationPage } from './pages/Conversation.tsx';
import { Inbox } from './pages/Inbox.tsx';
import { Profile } from './pages/Profile.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { PresenceMenu } from './parts/PresenceMenu.tsx';
import { ShortcutsHelp } from './parts/ShortcutsHelp.tsx';
import { Link, match, useRouter } from './router.tsx';
import { can } from './session.ts';

type Known = { state: 'loading' } | { state: 'signed-out' } | { state: 'signed-in'; session: Session } | { state: 'failed'; message: string };

/** Where to go after signing in: a path of this site only (`next` comes from the URL). */
function nextOf(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}

async function whoIsSignedIn(): Promise<Known> {
  try {
    const session = await api.session();
    applyPersonLocale(session.account?.language, session.account?.timeZone);
    return { state: 'signed-in', session };
  } catch (err) {
    return err instanceof ApiError && err.status === 401 ? { state: 'signed-out' } : { state: 'failed', message: messageOf(err) };
  }
}

export function App() {
  const { t } = useTranslation();
  const { location, navigate } = useRouter();
  const [known, setKnown] = useState<Known>({ state: 'loading' });

  const load = useCallback(async () => setKnown(await whoIsSignedIn()), []);

  useEffect(() => {
    let current = true;
    void whoIsSignedIn().then((found) => current && setKnown(found));
    whenSignedOut(() => setKnown({ state: 'signed-out' }));
    return () => {
      current = false;
      whenSignedOut(null);
    };
  }, []);

  // Signed out anywhere but the sign-in page: there, and back here afterwards.
  const onSignInPage = location.path === '/sign-in';
  useEffect(() => {
    if (known.state === 'signed-out' && !onSignInPage) navigate(`/sign-in?next=${encodeURIComponent(location.path + location.search)}`, { replace: true });
    if (known.state === 'signed-in' && onSignInPage) navigate(nextOf(location.search), { replace: true });
  }, [known.state, onSignInPage, location.path, location.search, navigate]);

  // After a navigation within the console, focus goes to the new page's heading (screen readers announce it).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [location.path]);

  if (known.state === 'loading') return <p className="splash">{t('app.loading')}</p>;
  if (known.state === 'failed') {
    return (
      <main id="main" className="splash">
        <h1 tabIndex={-1}>{t('app.cannotStart')}</h1>
        <p role="alert">{known.message}</p>
        <button type="button" onClick={() => void load()}>
          {t('app.tryAgain')}
        </button>
      </main>
    );
  }
  if (known.state === 'signed-out') {
    return onSignInPage ? <SignIn onSignedIn={load} /> : <p className="splash">{t('app.loading')}</p>;
  }

  const { session } = known;
  // The pages (the API serves index.html at each: CONSOLE_PAGES in src/api/console.ts).
  const conversation = match('/conversations/:id', location.path);
  const page =
    location.path === '/' ? (
      <Inbox session={session} />
    ) : conversation?.id ? (
      <ConversationPage key={conversation.id} id={conversation.id} session={session} />
    ) : location.path === '/board' && can(session, 'presence:read') ? (
      <Board session={session} />
    ) : location.path === '/canned-responses' && can(session, 'conversations:act') ? (
      <CannedResponses session={session} />
    ) : location.path === '/profile' && session.account ? (
      <Profile session={session} onChanged={load} />
    ) : (
      <NotFound />
    );
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <Header session={session} onSignedOut={() => setKnown({ state: 'signed-out' })} />
      <main id="main" className="page">
        {page}
      </main>
      <ShortcutsHelp />
    </>
  );
}

function Header({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signOut = async () => {
    setBusy(true);
    try {
      await api.signOut();
      closeStream();
      onSignedOut();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };
  const { principal, account } = session;
  const name = account?.name || account?.email || (principal.kind === 'key' ? principal.key : principal.account);
  const role = principal.kind === 'person' ? t(`role.${principal.role}`) : t('role.key');
  const agent = principal.kind === 'person' ? principal.agent : null;
  return (
    <header className="topbar">
      <Link to="/" className="brand">
        <span className="brand-mark" aria-hidden="true" />
        {t('app.name')}
      </Link>
      <nav aria-label={t('nav.label')}>
        <Link to="/">{t('nav.inbox')}</Link>
        {can(session, 'presence:read') && <Link to="/board">{t('nav.board')}</Link>}
        {can(session, 'conversations:act') && <Link to="/canned-responses">{t('nav.canned')}</Link>}
      </nav>
      <div className="who">
        {agent && <PresenceMenu agent={agent} />}
        {account ? (
          <Link to="/profile" className="who-name" title={t('nav.profile')}>
            {name}
          </Link>
        ) : (
          <span className="who-name">{name}</span>
        )}
        <span className="who-role">
          {role}
          {agent ? ` · ${agent}` : ''} · {principal.tenant}
        </span>
        <button type="button" className="quiet" onClick={() => void signOut()} disabled={busy}>
          {t('nav.signOut')}
        </button>
        {error && (
          <p role="alert" className="who-error">
            {error}
          </p>
        )}
      </div>
    </header>
  );
}

function NotFound() {
  const { t } = useTranslation();
  useEffect(() => {
    document.title = `${t('notFound.title')} · ${t('app.name')}`;
  }, [t]);
  return (
    <section className="panel empty-page">
      <h1 tabIndex={-1}>{t('notFound.title')}</h1>
      <p>
        <Link to="/">{t('notFound.back')}</Link>
      </p>
    </section>
  );
}
