import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, messageOf, PRIORITIES, type ConversationView, type Priority, type Session } from '../api.ts';
import { channelName, dueOf, fromNow, fullTime, priorityName, statusName, teamName, topicOf } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import { useKeys } from '../keys.ts';
import { useLiveRefresh } from '../live.ts';
import { Composer } from '../parts/Composer.tsx';
import { CustomerPanel, useCustomer } from '../parts/CustomerPanel.tsx';
import { Entry } from '../parts/Entry.tsx';
import { TransferForm } from '../parts/TransferForm.tsx';
import { Link, useRouter } from '../router.tsx';
import { agentOf, can } from '../session.ts';
import { SlaClock } from './Inbox.tsx';
import { Failure } from '../parts/Failure.tsx';

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

/** Runs an action and waits until the conversation shows it; what the page passes to its parts. */
export type Act = (name: string, action: () => Promise<{ eventId: string }>, shows: (view: ConversationView, eventId: string) => boolean, done: string) => Promise<boolean>;

/**
 * One conversation: its transcript (internal notes set apart, delivery state on each message sent),
 * the composer, the actions, and the customer. An action is accepted once it is on the log; the
 * page then reads the conversation until the change shows (the projections follow within a moment).
 */
export function ConversationPage({ id, session }: { id: string; session: Session }) {
  const { t } = useTranslation();
  const { navigate } = useRouter();
  const me = agentOf(session);
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const [transferring, setTransferring] = useState(false);
  const composer = useRef<HTMLTextAreaElement>(null);
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
  const customer = useCustomer(view?.conversation.customer);
  const topic = view ? topicOf(view.conversation) : t('conversation.title');
  useEffect(() => {
    document.title = `${loaded.state === 'refused' ? t('conversation.notAvailable') : topic} · ${t('app.name')}`;
  }, [topic, loaded.state, t]);

  const act: Act = async (name, action, shows, done) => {
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

  // After an erasure: the transcript and the customer read again, their personal fields now `[erased]`.
  const readAgain = async () => {
    await Promise.all([load(), customer.reload()]);
  };

  const c = view?.conversation;
  const resolved = c?.status === 'resolved';
  const mine = me !== null && c?.assignee === me;
  const take = () => me && c && !mine && !resolved && void act('assign', () => api.assign(id, me), (v) => v.conversation.assignee === me, t('conversation.assigned'));
  const resolve = () => c && !resolved && void act('resolve', () => api.resolve(id), (v) => v.conversation.status === 'resolved', t('conversation.resolved'));
  const reopen = () => c && resolved && void act('reopen', () => api.reopen(id), (v) => v.conversation.status !== 'resolved', t('conversation.reopened'));
  const setPriority = (priority: Priority) => void act('priority', () => api.priority(id, priority), (v) => v.conversation.priority === priority, t('conversation.prioritised', { priority: priorityName(priority) }));
  useKeys({
    a: take,
    e: resolve,
    r: () => composer.current?.focus(),
    u: () => navigate('/'),
  });

  if (loaded.state === 'loading') return <p className="muted">{t('conversation.loading')}</p>;
  if (loaded.state === 'refused') {
    return (
      <section className="panel refused">
        <Back />
        <h1 tabIndex={-1}>{loaded.status === 404 ? t('conversation.notFound') : t('conversation.refused')}</h1>
        <p role="alert" className="error">
          {loaded.message}
        </p>
        <p className="muted">
          {t('conversation.code')} <code>{loaded.code}</code>. {t('conversation.askSupervisor')}
        </p>
      </section>
    );
  }

  const { conversation, transcript } = loaded.view;
  const due = dueOf(conversation.sla);
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
              {conversation.customer} · {conversation.channels.map(channelName).join(', ')} · {t('conversation.opened')} <time dateTime={conversation.openedAt}>{fullTime(conversation.openedAt)}</time>
            </p>
          </div>
          <div className="actions" role="group" aria-label={t('conversation.actions')}>
            {me && !mine && !resolved && (
              <button type="button" className="primary" disabled={busy !== null} onClick={take} aria-keyshortcuts="a">
                {busy === 'assign' ? t('conversation.taking') : t('conversation.take')}
              </button>
            )}
            {!resolved && (
              <button type="button" disabled={busy !== null} onClick={() => setTransferring((v) => !v)} aria-expanded={transferring}>
                {t('conversation.transfer')}
              </button>
            )}
            {!resolved ? (
              <button type="button" disabled={busy !== null} onClick={resolve} aria-keyshortcuts="e">
                {busy === 'resolve' ? t('conversation.resolving') : t('conversation.resolve')}
              </button>
            ) : (
              <button type="button" disabled={busy !== null} onClick={reopen}>
                {busy === 'reopen' ? t('conversation.reopening') : t('conversation.reopen')}
              </button>
            )}
          </div>
        </div>

        <Failure message={error} />
        {transferring && !resolved && <TransferForm id={id} session={session} conversation={conversation} act={act} busy={busy !== null} onDone={() => setTransferring(false)} />}
        {conversation.handoff && (
          <aside className="handoff" aria-label={t('conversation.handoffLabel')}>
            <strong>{t('conversation.handoff')}</strong> {conversation.handoff}
          </aside>
        )}

        <section className="panel transcript-panel" aria-labelledby="transcript-title">
          <h2 id="transcript-title">{t('conversation.transcript')}</h2>
          {transcript.length === 0 ? (
            <p className="empty">{t('conversation.noMessages')}</p>
          ) : (
            <ol className="transcript">
              {transcript.map((entry) => (
                <Entry key={entry.eventId} entry={entry} me={me} customer={conversation.customer} now={loaded.at} conversationId={conversation.id} />
              ))}
            </ol>
          )}
        </section>

        <Composer id={id} session={session} conversation={conversation} identities={customer.view?.customer.identities ?? []} act={act} busy={busy} textarea={composer} />
      </div>

      <div className="side">
        <aside className="panel details" aria-labelledby="details-title">
          <h2 id="details-title">{t('details.title')}</h2>
          <dl>
            <dt>{t('details.status')}</dt>
            <dd>
              <span className={`status status-${conversation.status}`}>{statusName(conversation.status)}</span>
            </dd>
            <dt>{t('details.assignee')}</dt>
            <dd>{conversation.assignee ? (mine ? t('details.you', { agent: conversation.assignee }) : conversation.assignee) : t('details.nobody')}</dd>
            <dt>{t('details.team')}</dt>
            <dd>{conversation.team ? teamName(conversation.team) : t('conversation.notTriaged')}</dd>
            <dt>
              <label htmlFor="priority">{t('details.priority')}</label>
            </dt>
            <dd>
              <select id="priority" value={conversation.priority} disabled={busy !== null || resolved || !can(session, 'conversations:act')} onChange={(e) => setPriority(e.target.value as Priority)}>
                {PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {priorityName(p)}
                  </option>
                ))}
              </select>
            </dd>
            {conversation.language && (
              <>
                <dt>{t('details.language')}</dt>
                <dd>{conversation.language}</dd>
              </>
            )}
            {due && !resolved && (
              <>
                <dt>{t('details.due', { what: due.label })}</dt>
                <dd className={due.breached ? 'due late' : 'due'}>
                  {due.breached ? t('sla.breached') : <SlaClock at={due.at} />} <span className="muted">({fromNow(due.at, loaded.at)})</span>
                </dd>
              </>
            )}
            {conversation.resolvedAt && (
              <>
                <dt>{t('details.resolvedAt')}</dt>
                <dd>
                  <time dateTime={conversation.resolvedAt}>{fullTime(conversation.resolvedAt)}</time>
                </dd>
              </>
            )}
            <dt>{t('details.messages')}</dt>
            <dd>{conversation.messageCount}</dd>
          </dl>
        </aside>
        <CustomerPanel session={session} conversation={conversation} customer={customer} onErased={readAgain} />
      </div>
    </div>
  );
}

function Back() {
  const { t } = useTranslation();
  return (
    <nav aria-label={t('conversation.breadcrumb')} className="back">
      <Link to="/">← {t('nav.inbox')}</Link>
    </nav>
  );
}

