import { useCallback, useEffect, useRef, useState } from 'react';
import { api, messageOf, type ConversationSummary, type Session } from '../api.ts';
import { capitalized, channelName, dueOf, fromNow, topicOf } from '../format.ts';
import { useLiveRefresh } from '../live.ts';
import { Link } from '../router.tsx';

/** One list of the inbox: what it is, its rows, or why it could not be read. */
interface List {
  key: string;
  title: string;
  hint: string;
  empty: string;
  conversations: ConversationSummary[];
  error: string | null;
}

interface Inboxes {
  lists: List[];
  loadedAt: Date;
}

/**
 * The person's inbox: "Mine" (what their agent holds) and each of their teams' queues. `refresh`
 * reads every list again; the page calls it every 5 s while visible and on `requestRefresh()`.
 */
export function useInbox(session: Session) {
  const agent = session.principal.kind === 'person' ? session.principal.agent : null;
  const teams = session.teams ?? [];
  const teamKey = teams.join('\n');
  const [inboxes, setInboxes] = useState<Inboxes | null>(null);
  const inFlight = useRef(false);

  const refresh = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      const read = async (key: string, title: string, hint: string, empty: string, load: () => Promise<{ conversations: ConversationSummary[] }>): Promise<List> => {
        try {
          return { key, title, hint, empty, conversations: (await load()).conversations, error: null };
        } catch (err) {
          return { key, title, hint, empty, conversations: [], error: messageOf(err) };
        }
      };
      const lists = await Promise.all([
        ...(agent ? [read('mine', 'Mine', 'Assigned to you', 'Nothing is assigned to you.', () => api.mine(agent))] : []),
        ...(teamKey ? teamKey.split('\n') : []).map((team) =>
          read(`queue:${team}`, `${capitalized(team)} queue`, 'Waiting for someone to take them, most urgent first', 'The queue is empty.', () => api.queue(team)),
        ),
      ]);
      setInboxes({ lists, loadedAt: new Date() });
    } finally {
      inFlight.current = false;
    }
  }, [agent, teamKey]);

  return { inboxes, refresh, agent };
}

export function Inbox({ session }: { session: Session }) {
  const { inboxes, refresh, agent } = useInbox(session);

  useEffect(() => {
    document.title = 'Inbox · Support console';
    void refresh();
  }, [refresh]);
  useLiveRefresh(refresh);

  return (
    <div className="inbox">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>Inbox</h1>
          <p className="muted" aria-live="polite">
            {inboxes ? `Updated ${inboxes.loadedAt.toLocaleTimeString()}` : 'Loading…'}
          </p>
        </div>
        <button type="button" onClick={() => void refresh()}>
          Refresh
        </button>
      </div>
      {inboxes && inboxes.lists.length === 0 && (
        <section className="panel">
          <h2>Nothing to list</h2>
          <p>
            Your account acts as no agent{agent ? '' : ' (ask an admin to link one)'} and is in no team, so you have no conversations or queues of your own.
          </p>
        </section>
      )}
      {inboxes?.lists.map((list) => <ConversationList key={list.key} list={list} now={inboxes.loadedAt} />)}
    </div>
  );
}

function ConversationList({ list, now }: { list: List; now: Date }) {
  const headingId = `list-${list.key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <section className="panel list" aria-labelledby={headingId}>
      <header className="list-head">
        <h2 id={headingId}>{list.title}</h2>
        <span className="count" aria-label={`${list.conversations.length} conversations`}>
          {list.conversations.length}
        </span>
        <p className="muted">{list.hint}</p>
      </header>
      {list.error ? (
        <p role="alert" className="error">
          {list.error}
        </p>
      ) : list.conversations.length === 0 ? (
        <p className="empty">{list.empty}</p>
      ) : (
        <table className="conversations">
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Topic</th>
              <th scope="col">Channel</th>
              <th scope="col">Priority</th>
              <th scope="col">Waiting</th>
              <th scope="col">Due</th>
              <th scope="col" className="num">
                Messages
              </th>
            </tr>
          </thead>
          <tbody>
            {list.conversations.map((c) => {
              const due = dueOf(c.sla);
              const waiting = c.sla.waitingSince ?? c.lastActivityAt;
              return (
                <tr key={c.id}>
                  <td>
                    <Link to={`/conversations/${encodeURIComponent(c.id)}`} className="row-link">
                      {c.customer}
                    </Link>
                    {c.status !== 'open' && <span className={`status status-${c.status}`}>{c.status}</span>}
                  </td>
                  <td>{topicOf(c)}</td>
                  <td>{c.channels.map(channelName).join(', ')}</td>
                  <td>
                    <span className={`priority priority-${c.priority}`}>{capitalized(c.priority)}</span>
                  </td>
                  <td>
                    <time dateTime={waiting} title={new Date(waiting).toLocaleString()}>
                      {fromNow(waiting, now)}
                    </time>
                  </td>
                  <td>
                    {due ? (
                      <span className={due.breached || new Date(due.at) < now ? 'due late' : 'due'}>
                        {due.label} {fromNow(due.at, now)}
                      </span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="num">{c.messageCount}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
