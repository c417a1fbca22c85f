import { useCallback, useEffect, useState } from 'react';
import { api, messageOf, type AgentView, type ConversationSummary, type KpiReport, type Session } from '../api.ts';
import { channelName, clockTime, fromNow, presenceName, teamName } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import { useLiveRefresh, useOneAtATime } from '../live.ts';
import { ConversationRows } from '../parts/ConversationRows.tsx';
import { Kpis } from '../parts/Kpis.tsx';
import { can } from '../session.ts';
import { Failure } from '../parts/Failure.tsx';

/** A conversation is at risk when the reply it is owed falls due within this long. */
const AT_RISK_MS = 15 * 60_000;

interface TeamQueue {
  team: string;
  conversations: ConversationSummary[];
  error: string | null;
}

interface Held {
  agent: string;
  conversations: ConversationSummary[];
}

interface BoardData {
  queues: TeamQueue[];
  agents: AgentView[];
  held: Map<string, ConversationSummary[]>;
  report: { day: KpiReport; week: KpiReport } | null;
  kpiError: string | null;
  at: Date;
}

const dueAt = (c: ConversationSummary) => c.sla.firstResponseDueAt ?? c.sla.nextResponseDueAt;

/** What a queue's numbers count, each a list of the conversations behind it. */
function queueFigures(q: TeamQueue, now: Date) {
  const waiting = q.conversations.filter((c) => c.assignee === null);
  const breached = q.conversations.filter((c) => c.sla.breached.length > 0);
  const atRisk = q.conversations.filter((c) => {
    const due = dueAt(c);
    return c.sla.breached.length === 0 && due !== null && Date.parse(due) - now.getTime() <= AT_RISK_MS;
  });
  const oldest = waiting.reduce<string | null>((o, c) => {
    const since = c.sla.waitingSince ?? c.openedAt;
    return o === null || since < o ? since : o;
  }, null);
  return { waiting, atRisk, breached, oldest };
}

/**
 * The supervisors' board: every team's queue (waiting, oldest wait, at risk, breached), every agent
 * (presence, load per channel, what they hold, reassign), and the day's and week's KPIs from the
 * same code as `cs replay`. Each number opens the conversations behind it. Read again on every change.
 */
export function Board({ session }: { session: Session }) {
  const { t } = useTranslation();
  const [data, setData] = useState<BoardData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<{ title: string; conversations: Array<ConversationSummary & { shown?: string }> } | null>(null);

  const read = useCallback(
    () =>
      readBoard(session).then(
        (board) => {
          setData(board);
          setError(null);
        },
        (err: unknown) => setError(messageOf(err)),
      ),
    [session],
  );
  const load = useOneAtATime(read);

  useEffect(() => {
    document.title = `${t('board.title')} · ${t('app.name')}`;
    void load();
  }, [load, t]);
  useLiveRefresh(load);

  const open = (title: string, conversations: Array<ConversationSummary & { shown?: string }>) => setShown({ title, conversations });

  return (
    <div className="board">
      <div className="page-head">
        <div>
          <h1 tabIndex={-1}>{t('board.title')}</h1>
          <p className="muted" aria-live="polite">
            {data ? t('inbox.updated', { time: clockTime(data.at) }) : t('app.loading')}
          </p>
        </div>
      </div>
      <Failure message={error} />
      {data && (
        <>
          <section className="panel" aria-labelledby="queues-title">
            <h2 id="queues-title">{t('board.queues')}</h2>
            <table className="conversations board-table">
              <thead>
                <tr>
                  <th scope="col">{t('board.team')}</th>
                  <th scope="col" className="num">
                    {t('board.waiting')}
                  </th>
                  <th scope="col">{t('board.oldest')}</th>
                  <th scope="col" className="num">
                    {t('board.atRisk')}
                  </th>
                  <th scope="col" className="num">
                    {t('board.breached')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.queues.map((q) => {
                  const f = queueFigures(q, data.at);
                  const name = teamName(q.team);
                  return (
                    <tr key={q.team} data-team={q.team}>
                      <th scope="row">{name}</th>
                      <td className="num">
                        <Figure value={f.waiting.length} label={t('board.waitingIn', { team: name })} onOpen={() => open(t('board.waitingIn', { team: name }), f.waiting)} />
                      </td>
                      <td>{f.oldest ? <time dateTime={f.oldest}>{fromNow(f.oldest, data.at)}</time> : '—'}</td>
                      <td className="num">
                        <Figure value={f.atRisk.length} label={t('board.atRiskIn', { team: name })} onOpen={() => open(t('board.atRiskIn', { team: name }), f.atRisk)} />
                      </td>
                      <td className="num">
                        <Figure value={f.breached.length} label={t('board.breachedIn', { team: name })} onOpen={() => open(t('board.breachedIn', { team: name }), f.breached)} danger />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>

          {shown && (
            <section className="panel" aria-labelledby="behind-title" id="behind">
              <div className="list-head">
                <h2 id="behind-title">{shown.title}</h2>
                <button type="button" className="quiet" onClick={() => setShown(null)}>
                  {t('common.close')}
                </button>
              </div>
              <ConversationRows conversations={shown.conversations} now={data.at} agents={data.agents} canReassign={can(session, 'conversations:assign-others')} />
            </section>
          )}

          <section className="panel" aria-labelledby="agents-title">
            <h2 id="agents-title">{t('board.agents')}</h2>
            <table className="conversations board-table">
              <thead>
                <tr>
                  <th scope="col">{t('board.agent')}</th>
                  <th scope="col">{t('board.presence')}</th>
                  {(['email', 'chat', 'sms', 'social'] as const).map((ch) => (
                    <th key={ch} scope="col" className="num">
                      {channelName(ch)}
                    </th>
                  ))}
                  <th scope="col" className="num">
                    {t('board.holds')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.agents.map((a) => {
                  const held = data.held.get(a.id) ?? [];
                  return (
                    <tr key={a.id} data-agent={a.id}>
                      <th scope="row">
                        {a.name} <span className="muted">({a.id})</span>
                      </th>
                      <td>
                        <span className={`presence-dot presence-${a.status}`} aria-hidden="true" /> {presenceName(a.status)}
                        {a.since && <span className="muted"> · {fromNow(a.since, data.at)}</span>}
                      </td>
                      {(['email', 'chat', 'sms', 'social'] as const).map((ch) => (
                        <td key={ch} className="num" aria-label={t('board.loadOf', { load: a.load[ch] ?? 0, capacity: a.capacity[ch] ?? 0 })}>
                          {a.load[ch] ?? 0}/{a.capacity[ch] ?? 0}
                        </td>
                      ))}
                      <td className="num">
                        <Figure value={held.length} label={t('board.heldBy', { agent: a.name })} onOpen={() => open(t('board.heldBy', { agent: a.name }), held)} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>

          {can(session, 'kpis:read') &&
            (data.report ? (
              <Kpis day={data.report.day} week={data.report.week} now={data.at} onOpen={open} />
            ) : (
              data.kpiError && (
                <p role="alert" className="error">
                  {data.kpiError}
                </p>
              )
            ))}
        </>
      )}
    </div>
  );
}

/** Everything the board shows, read in one go: the agents first, then their queues, holdings and the KPIs. */
async function readBoard(session: Session): Promise<BoardData> {
  const agents = await api.agents();
  const teams = [...new Set(agents.flatMap((a) => a.teams))].sort();
  const [queues, held, report] = await Promise.all([
    Promise.all(
      teams.map(async (team): Promise<TeamQueue> => {
        try {
          return { team, conversations: (await api.queue(team)).conversations, error: null };
        } catch (err) {
          return { team, conversations: [], error: messageOf(err) };
        }
      }),
    ),
    Promise.all(agents.map(async (a): Promise<Held> => ({ agent: a.id, conversations: (await api.mine(a.id)).conversations }))),
    can(session, 'kpis:read')
      ? Promise.all([api.kpis('day'), api.kpis('week')]).then(
          ([day, week]) => ({ report: { day, week }, kpiError: null }),
          (err: unknown) => ({ report: null, kpiError: messageOf(err) }),
        )
      : Promise.resolve({ report: null, kpiError: null }),
  ]);
  return { queues, agents, held: new Map(held.map((h) => [h.agent, h.conversations])), ...report, at: new Date() };
}

/** A number on the board: a button that lists the conversations it counts. */
export function Figure({ value, label, onOpen, danger }: { value: number; label: string; onOpen: () => void; danger?: boolean }) {
  return (
    <button
      type="button"
      className={`figure${danger && value > 0 ? ' figure-danger' : ''}`}
      aria-label={`${label}: ${value}`}
      onClick={() => {
        onOpen();
        window.requestAnimationFrame(() => document.getElementById('behind-title')?.scrollIntoView({ block: 'nearest' }));
      }}
    >
      {value}
    </button>
  );
}

