import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, CHANNELS, messageOf, PRIORITIES, type ConversationSummary, type CustomerView, type Session } from '../api.ts';
import { categoryName, channelName, clockTime, dueOf, fromNow, priorityName, statusName, teamName, topicOf } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import { useKeys } from '../keys.ts';
import { useLiveRefresh, useOneAtATime } from '../live.ts';
import { Link, useRouter } from '../router.tsx';
import { agentOf } from '../session.ts';
import { Failure } from '../parts/Failure.tsx';

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

/** The inbox's filters: each narrows every list; empty means any. */
interface Filters {
  status: string;
  channel: string;
  category: string;
  priority: string;
  language: string;
}

const NO_FILTERS: Filters = { status: '', channel: '', category: '', priority: '', language: '' };

const passes = (c: ConversationSummary, f: Filters) =>
  (!f.status || c.status === f.status) &&
  (!f.channel || c.channels.includes(f.channel as ConversationSummary['channels'][number])) &&
  (!f.category || c.category === f.category) &&
  (!f.priority || c.priority === f.priority) &&
  (!f.language || (c.language ?? '').split('-')[0] === f.language);

/**
 * The person's inbox: "Mine" (what their agent holds) and each of their teams' queues, read again
 * whenever the change feed says something changed.
 */
export function useInbox(session: Session) {
  const { t } = useTranslation();
  const agent = agentOf(session);
  const teams = session.teams ?? [];
  const teamKey = teams.join('\n');
  const [inboxes, setInboxes] = useState<Inboxes | null>(null);
  const readLists = useCallback(async () => {
    const list = async (key: string, title: string, hint: string, empty: string, load: () => Promise<{ conversations: ConversationSummary[] }>): Promise<List> => {
      try {
        return { key, title, hint, empty, conversations: (await load()).conversations, error: null };
      } catch (err) {
        return { key, title, hint, empty, conversations: [], error: messageOf(err) };
      }
    };
    const lists = await Promise.all([
      ...(agent ? [list('mine', t('inbox.mine'), t('inbox.mineHint'), t('inbox.mineEmpty'), () => api.mine(agent))] : []),
      ...(teamKey ? teamKey.split('\n') : []).map((team) =>
        list(`queue:${team}`, t('inbox.queue', { team: teamName(team) }), t('inbox.queueHint'), t('inbox.queueEmpty'), () => api.queue(team)),
      ),
    ]);
    setInboxes({ lists, loadedAt: new Date() });
  }, [agent, teamKey, t]);
  const refresh = useOneAtATime(readLists);

  return { inboxes, refresh, agent };
}

export function Inbox({ session }: { session: Session }) {
  const { t } = useTranslation();
  const { inboxes, refresh, agent } = useInbox(session);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const lookup = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = `${t('inbox.title')} · ${t('app.name')}`;
    void refresh();
  }, [refresh, t]);
  useLiveRefresh(refresh);

  // j/k move through every row of every list; Enter opens the focused one (it is a link).
  useKeys({
    j: () => moveFocus(1),
    ArrowDown: () => moveFocus(1),
    k: () => moveFocus(-1),
    ArrowUp: () => moveFocus(-1),
    '/': () => lookup.current?.focus(),
  });

  const all = useMemo(() => inboxes?.lists.flatMap((l) => l.conversations) ?? [], [inboxes]);
  const options = useMemo(
    () => ({
      categories: [...new Set(all.map((c) => c.category).filter((c): c is string => !!c))].sort(),
      languages: [...new Set(all.map((c) => (c.language ?? '').split('-')[0]).filter((l): l is string => !!l))].sort(),
    }),
    [all],
  );
  const filtered = Object.values(filters).some(Boolean);

  return (
    <div className="inbox">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>{t('inbox.title')}</h1>
          <p className="muted" aria-live="polite">
            {inboxes ? t('inbox.updated', { time: clockTime(inboxes.loadedAt) }) : t('app.loading')}
          </p>
        </div>
        <CustomerLookup inputRef={lookup} />
      </div>
      <form className="filters" aria-label={t('filters.label')} onSubmit={(e) => e.preventDefault()}>
        <FilterSelect id="f-status" label={t('filters.status')} value={filters.status} onChange={(status) => setFilters({ ...filters, status })} options={['open', 'pending'].map((s) => [s, statusName(s)])} />
        <FilterSelect id="f-channel" label={t('filters.channel')} value={filters.channel} onChange={(channel) => setFilters({ ...filters, channel })} options={CHANNELS.map((c) => [c, channelName(c)])} />
        <FilterSelect id="f-category" label={t('filters.category')} value={filters.category} onChange={(category) => setFilters({ ...filters, category })} options={options.categories.map((c) => [c, categoryName(c)])} />
        <FilterSelect id="f-priority" label={t('filters.priority')} value={filters.priority} onChange={(priority) => setFilters({ ...filters, priority })} options={PRIORITIES.map((p) => [p, priorityName(p)])} />
        <FilterSelect id="f-language" label={t('filters.language')} value={filters.language} onChange={(language) => setFilters({ ...filters, language })} options={options.languages.map((l) => [l, l])} />
        {filtered && (
          <button type="button" className="quiet" onClick={() => setFilters(NO_FILTERS)}>
            {t('filters.clear')}
          </button>
        )}
      </form>
      {inboxes && inboxes.lists.length === 0 && (
        <section className="panel">
          <h2>{t('inbox.nothing')}</h2>
          <p>{agent ? t('inbox.noTeams') : t('inbox.noAgent')}</p>
        </section>
      )}
      {inboxes?.lists.map((list) => (
        <ConversationList key={list.key} list={list} shown={list.conversations.filter((c) => passes(c, filters))} filtered={filtered} now={inboxes.loadedAt} />
      ))}
    </div>
  );
}

/** Moves the focus to the next (1) or previous (-1) conversation row of the page. */
function moveFocus(step: 1 | -1): void {
  const rows = [...document.querySelectorAll<HTMLAnchorElement>('a.row-link')];
  if (rows.length === 0) return;
  const at = rows.indexOf(document.activeElement as HTMLAnchorElement);
  const next = at === -1 ? (step === 1 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
  rows[next]?.focus();
  rows[next]?.closest('tr')?.scrollIntoView({ block: 'nearest' });
}

function FilterSelect({ id, label, value, onChange, options }: { id: string; label: string; value: string; onChange: (value: string) => void; options: Array<[string, string]> }) {
  const { t } = useTranslation();
  return (
    <span className="filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('filters.any')}</option>
        {options.map(([v, name]) => (
          <option key={v} value={v}>
            {name}
          </option>
        ))}
      </select>
    </span>
  );
}

/** Look-up by e-mail, phone or social handle: the one customer it names, and their conversations. */
function CustomerLookup({ inputRef }: { inputRef: React.RefObject<HTMLInputElement | null> }) {
  const { t } = useTranslation();
  const [handle, setHandle] = useState('');
  const [found, setFound] = useState<CustomerView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { navigate } = useRouter();

  const search = async (event: FormEvent) => {
    event.preventDefault();
    if (!handle.trim()) return;
    setBusy(true);
    setError(null);
    setFound(null);
    try {
      const view = await api.customerByHandle(handle.trim());
      const open = view.conversations.find((c) => c.status !== 'resolved');
      if (open && view.conversations.length === 1) navigate(`/conversations/${encodeURIComponent(open.id)}`);
      else setFound(view);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 ? t('lookup.none') : messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="lookup">
      <form role="search" onSubmit={(e) => void search(e)}>
        <label htmlFor="lookup">{t('lookup.label')}</label>
        <input id="lookup" ref={inputRef} type="search" value={handle} placeholder={t('lookup.placeholder')} onChange={(e) => setHandle(e.target.value)} />
        <button type="submit" disabled={busy}>
          {t('lookup.find')}
        </button>
      </form>
      <Failure message={error} />
      {found && (
        <div className="panel lookup-result" aria-live="polite">
          <p>
            <strong>{found.customer.id}</strong> · {found.customer.identities.map((i) => i.handle).join(', ')}
          </p>
          {found.conversations.length === 0 ? (
            <p className="muted">{t('lookup.noConversations')}</p>
          ) : (
            <ul>
              {found.conversations.map((c) => (
                <li key={c.id}>
                  <Link to={`/conversations/${encodeURIComponent(c.id)}`}>{topicOf(c)}</Link> <span className={`status status-${c.status}`}>{statusName(c.status)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function ConversationList({ list, shown, filtered, now }: { list: List; shown: ConversationSummary[]; filtered: boolean; now: Date }) {
  const { t } = useTranslation();
  const headingId = `list-${list.key.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return (
    <section className="panel list" aria-labelledby={headingId}>
      <header className="list-head">
        <h2 id={headingId}>{list.title}</h2>
        <span className="count" aria-label={t('inbox.count', { count: shown.length })}>
          {shown.length}
        </span>
        <p className="muted">{filtered ? t('inbox.filtered', { shown: shown.length, count: list.conversations.length }) : list.hint}</p>
      </header>
      {list.error ? (
        <p role="alert" className="error">
          {list.error}
        </p>
      ) : shown.length === 0 ? (
        <p className="empty">{filtered && list.conversations.length > 0 ? t('inbox.noneMatch') : list.empty}</p>
      ) : (
        <table className="conversations">
          <thead>
            <tr>
              <th scope="col">{t('inbox.col.customer')}</th>
              <th scope="col">{t('inbox.col.topic')}</th>
              <th scope="col">{t('inbox.col.channel')}</th>
              <th scope="col">{t('inbox.col.priority')}</th>
              <th scope="col">{t('inbox.col.waiting')}</th>
              <th scope="col">{t('inbox.col.due')}</th>
              <th scope="col" className="num">
                {t('inbox.col.messages')}
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <Row key={c.id} c={c} now={now} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Row({ c, now }: { c: ConversationSummary; now: Date }) {
  const { t } = useTranslation();
  const due = dueOf(c.sla);
  const waiting = c.sla.waitingSince ?? c.lastActivityAt;
  const breached = c.sla.breached.length > 0;
  return (
    <tr className={breached ? 'breached' : undefined}>
      <td>
        <Link to={`/conversations/${encodeURIComponent(c.id)}`} className="row-link">
          <CustomerName c={c} />
        </Link>
        {c.status !== 'open' && <span className={`status status-${c.status}`}>{statusName(c.status)}</span>}
      </td>
      <td>{topicOf(c)}</td>
      <td>{c.channels.map(channelName).join(', ')}</td>
      <td>
        <span className={`priority priority-${c.priority}`}>{priorityName(c.priority)}</span>
      </td>
      <td>
        <time dateTime={waiting}>{fromNow(waiting, now)}</time>
      </td>
      <td>
        {breached ? (
          <span className="due late">{t('sla.breached')}</span>
        ) : due ? (
          <span className={new Date(due.at) < now ? 'due late' : 'due'}>
            {due.label} <SlaClock at={due.at} />
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="num">{c.messageCount}</td>
    </tr>
  );
}

/** The SLA clock counting down each second to `at` (a minus sign once it is past). */
export function SlaClock({ at }: { at: string }) {
  const [now, setNow] = useState(() => new Date().getTime());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date().getTime()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const left = Math.round((Date.parse(at) - now) / 1000);
  const abs = Math.abs(left);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const s = abs % 60;
  const text = `${left < 0 ? '−' : ''}${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return (
    <time dateTime={at} className="sla-clock">
      {text}
    </time>
  );
}

/** The customer as a list shows them: the handle they last wrote from, their id beneath. */
export function CustomerName({ c }: { c: { customer: string; replyTo: { handle: string } | null } }) {
  return (
    <>
      {c.replyTo?.handle ?? c.customer}
      {c.replyTo && <span className="customer-sub">{c.customer}</span>}
    </>
  );
}
