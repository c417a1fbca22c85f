import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, messageOf, whenSignedOut, type Session } from './api.ts';
import { capitalized } from './format.ts';
import { closeStream } from './live.ts';
import { ConversationPage } from './pages/Conversation.tsx';
import { Inbox } from './pages/Inbox.tsx';
import { SignIn } from './pages/SignIn.tsx';
import { Link, match, useRouter } from './router.tsx';

type Known = { state: 'loading' } | { state: 'signed-out' } | { state: 'signed-in'; session: Session } | { state: 'failed'; message: string };

/** Where to go after signing in: a path of this site only (`next` comes from the URL). */
function nextOf(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/sign-in') ? next : '/';
}

async function whoIsSignedIn(): Promise<Known> {
  try {
    return { state: 'signed-in', session: await api.session() };
  } catch (err) {
    return err instanceof ApiError && err.status === 401 ? { state: 'signed-out' } : { state: 'failed', message: messageOf(err) };
  }
}

export function App() {
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

  if (known.state === 'loading') return <p className="splash">Loading…</p>;
  if (known.state === 'failed') {
    return (
      <main id="main" className="splash">
        <h1 tabIndex={-1}>The console cannot start</h1>
        <p role="alert">{known.message}</p>
        <button type="button" onClick={() => void load()}>
          Try again
        </button>
      </main>
    );
  }
  if (known.state === 'signed-out') {
    return onSignInPage ? <SignIn onSignedIn={load} /> : <p className="splash">Loading…</p>;
  }

  const { session } = known;
  // The pages (the API serves index.html at each: CONSOLE_PAGES in src/api/console.ts).
  const conversation = match('/conversations/:id', location.path);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Header session={session} onSignedOut={() => setKnown({ state: 'signed-out' })} />
      <main id="main" className="page">
        {location.path === '/' ? <Inbox session={session} /> : conversation?.id ? <ConversationPage key={conversation.id} id={conversation.id} session={session} /> : <NotFound />}
      </main>
    </>
  );
}

function Header({ session, onSignedOut }: { session: Session; onSignedOut: () => void }) {
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
  const role = principal.kind === 'person' ? capitalized(principal.role) : 'API key';
  return (
    <header className="topbar">
      <Link to="/" className="brand">
        <span className="brand-mark" aria-hidden="true" />
        Support console
      </Link>
      <nav aria-label="Main">
        <Link to="/">Inbox</Link>
      </nav>
      <div className="who">
        <span className="who-name">{name}</span>
        <span className="who-role">
          {role}
          {principal.kind === 'person' && principal.agent ? ` · ${principal.agent}` : ''} · {principal.tenant}
        </span>
        <button type="button" className="quiet" onClick={() => void signOut()} disabled={busy}>
          Sign out
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
  useEffect(() => {
    document.title = 'Not found · Support console';
  }, []);
  return (
    <section className="panel empty-page">
      <h1 tabIndex={-1}>This page does not exist</h1>
      <p>
        <Link to="/">Back to the inbox</Link>
      </p>
    </section>
  );
}
