import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type ConversationView, type Session, type TranscriptEntry } from '../api.ts';
import { capitalized, channelName, dueOf, fromNow, fullTime, shortTime, topicOf } from '../format.ts';
import { useLiveRefresh } from '../live.ts';
import { Link } from '../router.tsx';

type Loaded = { state: 'loading' } | { state: 'loaded'; view: ConversationView; at: Date } | { state: 'refused'; status: number; code: string; message: string };

type Read = Exclude<Loaded, { state: 'loading' }> | { state: 'failed'; message: string };

async function readConversation(id: string): Promise<Read> {
  try {
    return { state: 'loaded', view: await api.conversation(id), at: new Date() };
  } catch (err) {
    // A refusal (not yours, not found) leaves nothing of the conversation on the page; a failure
    // (the server unreachable) leaves what was shown, with the error above it.
    if (err instanceof ApiError && err.status >= 400 && err.status < 500) return { state: 'refused', status: err.status, code: err.code, message: err.message };
    return { state: 'failed', message: messageOf(err) };
  }
}

const sleep = (ms: number) => new Promise((done) => window.setTimeout(done, ms));

/**
 * One conversation: its transcript (internal notes set apart), the reply and note composer, and
 * the actions (take it, resolve). An action is accepted once it is on the log; the page then reads
 * the conversation until the change shows (the projections follow the log within a moment).
 */
export function ConversationPage({ id, session }: { id: string; session: Session }) {
  const me = session.principal.kind === 'person' ? session.principal.agent : null;
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [text, setText] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  useEffect(() => {
    if (!notice) return undefined;
    const timer = window.setTimeout(() => setNotice(''), 4_000);
    return () => window.clearTimeout(timer);
  }, [notice]);

  const show = useCallback((read: Read) => {
    if (read.state === 'failed') setError(read.message);
    else setLoaded(read);
  }, []);
  const load = useCallback(async (): Promise<ConversationView | null> => {
    const read = await readConversation(id);
    show(read);
    return read.state === 'loaded' ? read.view : null;
  }, [id, show]);

  useEffect(() => {
    let current = true;
    void readConversation(id).then((read) => current && show(read));
    return () => {
      current = false;
    };
  }, [id, show]);
  useLiveRefresh(load);

  const view = loaded.state === 'loaded' ? loaded.view : null;
  const topic = view ? topicOf(view.conversation) : 'Conversation';
  useEffect(() => {
    document.title = `${loaded.state === 'refused' ? 'Not available' : topic} · Support console`;
  }, [topic, loaded.state]);

  /** Runs an action, then reads the conversation until `shows` holds (a few seconds at most). */
  const act = async (name: string, action: () => Promise<{ eventId: string }>, shows: (view: ConversationView, eventId: string) => boolean, done: string) => {
    setBusy(name);
    setError(null);
    setNotice('');
    try {
      const { eventId } = await action();
      for (let i = 0; i < 20; i++) {
        const fresh = await load();
        if (fresh && shows(fresh, eventId)) break;
        await sleep(250);
      }
      setNotice(done);
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusy(null);
    }
  };

  const hasEntry = (v: ConversationView, eventId: string) => v.transcript.some((e) => e.eventId === eventId);
  const send = async (kind: 'reply' | 'note') => {
    const body = text.trim();
    if (!body) {
      setError(kind === 'reply' ? 'Write a reply first.' : 'Write a note first.');
      return;
    }
    const ok = await act(kind, () => (kind === 'reply' ? api.reply(id, body) : api.note(id, body)), hasEntry, kind === 'reply' ? 'Reply sent.' : 'Note added.');
    if (ok) setText('');
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void send('reply');
  };

  if (loaded.state === 'loading') return <p className="muted">Loading the conversation…</p>;
  if (loaded.state === 'refused') {
    return (
      <section className="panel refused">
        <Back />
        <h1 tabIndex={-1}>{loaded.status === 404 ? 'Conversation not found' : 'You cannot open this conversation'}</h1>
        <p role="alert" className="error">
          {loaded.message}
        </p>
        <p className="muted">
          Code <code>{loaded.code}</code>. Ask a supervisor if you need it.
        </p>
      </section>
    );
  }

  const { conversation: c, transcript } = loaded.view;
  const resolved = c.status === 'resolved';
  const mine = me !== null && c.assignee === me;
  const due = dueOf(c.sla);
  return (
    <div className="conversation">
      <p className={notice ? 'toast' : 'toast toast-empty'} role="status">
        {notice}
      </p>
      <div className="conversation-main">
        <Back />
        <div className="page-head">
          <div>
            <h1 tabIndex={-1}>{topic}</h1>
            <p className="muted">
              {c.customer} · {c.channels.map(channelName).join(', ')} · opened <time dateTime={c.openedAt}>{fullTime(c.openedAt)}</time>
            </p>
          </div>
          <div className="actions" role="group" aria-label="Conversation actions">
            {me && !mine && !resolved && (
              <button type="button" className="primary" disabled={busy !== null} onClick={() => void act('assign', () => api.assign(id, me), (v) => v.conversation.assignee === me, 'Assigned to you.')}>
                {busy === 'assign' ? 'Taking…' : 'Take it'}
              </button>
            )}
            {!resolved && (
              <button type="button" disabled={busy !== null} onClick={() => void act('resolve', () => api.resolve(id), (v) => v.conversation.status === 'resolved', 'Resolved.')}>
                {busy === 'resolve' ? 'Resolving…' : 'Resolve'}
              </button>
            )}
          </div>
        </div>

        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {c.handoff && (
          <aside className="handoff" aria-label="Hand-off summary">
            <strong>Hand-off:</strong> {c.handoff}
          </aside>
        )}

        <section className="panel transcript-panel" aria-labelledby="transcript-title">
          <h2 id="transcript-title">Transcript</h2>
          {transcript.length === 0 ? (
            <p className="empty">No messages yet.</p>
          ) : (
            <ol className="transcript">
              {transcript.map((entry) => (
                <Entry key={entry.eventId} entry={entry} me={me} customer={c.customer} now={loaded.at} />
              ))}
            </ol>
          )}
        </section>

        <section className="panel composer" aria-labelledby="composer-title">
          <h2 id="composer-title">Write</h2>
          <form onSubmit={submit}>
            <label htmlFor="composer-text">Reply or internal note</label>
            <textarea id="composer-text" rows={3} value={text} onChange={(e) => setText(e.target.value)} aria-describedby="composer-hint" />
            <p id="composer-hint" className="hint">
              {c.replyTo ? `A reply goes to the customer by ${channelName(c.replyTo.channel)} (${c.replyTo.handle}).` : 'A reply goes to the customer.'} An internal note is seen by your team only.
            </p>
            <div className="composer-actions">
              <button type="submit" className="primary" disabled={busy !== null}>
                {busy === 'reply' ? 'Sending…' : 'Send reply'}
              </button>
              <button type="button" className="note-button" disabled={busy !== null} onClick={() => void send('note')}>
                {busy === 'note' ? 'Adding…' : 'Add internal note'}
              </button>
            </div>
          </form>
        </section>
      </div>

      <aside className="panel details" aria-labelledby="details-title">
        <h2 id="details-title">Details</h2>
        <dl>
          <dt>Status</dt>
          <dd>
            <span className={`status status-${c.status}`}>{capitalized(c.status)}</span>
          </dd>
          <dt>Assigned to</dt>
          <dd>{c.assignee ? (mine ? `You (${c.assignee})` : c.assignee) : 'Nobody yet'}</dd>
          <dt>Team</dt>
          <dd>{c.team ? capitalized(c.team) : 'Not triaged yet'}</dd>
          <dt>Priority</dt>
          <dd>
            <span className={`priority priority-${c.priority}`}>{capitalized(c.priority)}</span>
          </dd>
          {c.language && (
            <>
              <dt>Language</dt>
              <dd>{c.language}</dd>
            </>
          )}
          <dt>Customer</dt>
          <dd>{c.customer}</dd>
          {c.replyTo && (
            <>
              <dt>Replies go to</dt>
              <dd>
                {c.replyTo.handle} <span className="muted">({channelName(c.replyTo.channel)})</span>
              </dd>
            </>
          )}
          {due && !resolved && (
            <>
              <dt>{due.label} due</dt>
              <dd className={due.breached ? 'due late' : 'due'}>
                <time dateTime={due.at}>{fromNow(due.at, loaded.at)}</time>
              </dd>
            </>
          )}
          {c.resolvedAt && (
            <>
              <dt>Resolved</dt>
              <dd>
                <time dateTime={c.resolvedAt}>{fullTime(c.resolvedAt)}</time>
              </dd>
            </>
          )}
          <dt>Messages</dt>
          <dd>{c.messageCount}</dd>
        </dl>
      </aside>
    </div>
  );
}

function Back() {
  return (
    <nav aria-label="Breadcrumb" className="back">
      <Link to="/">← Inbox</Link>
    </nav>
  );
}

function Entry({ entry, me, customer, now }: { entry: TranscriptEntry; me: string | null; customer: string; now: Date }) {
  const author = entry.author.kind === 'customer' ? customer : entry.author.kind === 'agent' ? (entry.author.id === me ? `You (${entry.author.id})` : entry.author.id) : capitalized(entry.author.kind);
  const kind = entry.internal ? 'note' : entry.direction;
  const label = entry.internal ? 'Internal note' : entry.direction === 'in' ? `Received by ${channelName(entry.channel)}` : `Sent by ${channelName(entry.channel)}`;
  return (
    <li className={`entry entry-${kind}`}>
      <article aria-label={`${entry.internal ? 'Internal note' : 'Message'} from ${author}`}>
        <header className="entry-head">
          <span className="entry-author">{author}</span>
          <span className="entry-kind">{label}</span>
          <time dateTime={entry.at} title={fullTime(entry.at)}>
            {shortTime(entry.at, now)}
          </time>
        </header>
        {entry.subject && <p className="entry-subject">{entry.subject}</p>}
        <p className="entry-text">{entry.text}</p>
        {entry.attachments ? <p className="hint">{entry.attachments} attachment(s)</p> : null}
      </article>
    </li>
  );
}
