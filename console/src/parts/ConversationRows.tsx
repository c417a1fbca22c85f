import { useState } from 'react';
import { api, messageOf, type AgentView, type ConversationSummary } from '../api.ts';
import { channelName, fromNow, priorityName, statusName, topicOf } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import { CustomerName } from '../pages/Inbox.tsx';
import { Link } from '../router.tsx';

/** The conversations behind a number of the board, each with a way to hand it to another agent. */
export function ConversationRows({ conversations, now, agents, canReassign }: { conversations: Array<ConversationSummary & { shown?: string }>; now: Date; agents: AgentView[]; canReassign: boolean }) {
  const { t } = useTranslation();
  const value = conversations.some((c) => c.shown !== undefined);
  if (conversations.length === 0) return <p className="empty">{t('board.noneBehind')}</p>;
  return (
    <table className="conversations">
      <thead>
        <tr>
          <th scope="col">{t('inbox.col.customer')}</th>
          <th scope="col">{t('inbox.col.topic')}</th>
          <th scope="col">{t('inbox.col.channel')}</th>
          <th scope="col">{t('filters.status')}</th>
          <th scope="col">{t('inbox.col.priority')}</th>
          <th scope="col">{t('details.assignee')}</th>
          {value && <th scope="col">{t('board.value')}</th>}
          <th scope="col">{t('board.opened')}</th>
          {canReassign && <th scope="col">{t('board.reassign')}</th>}
        </tr>
      </thead>
      <tbody>
        {conversations.map((c) => (
          <tr key={c.id}>
            <td>
              <Link to={`/conversations/${encodeURIComponent(c.id)}`} className="row-link">
                <CustomerName c={c} />
              </Link>
            </td>
            <td>{topicOf(c)}</td>
            <td>{c.channels.map(channelName).join(', ')}</td>
            <td>
              <span className={`status status-${c.status}`}>{statusName(c.status)}</span>
            </td>
            <td>
              <span className={`priority priority-${c.priority}`}>{priorityName(c.priority)}</span>
            </td>
            <td>{c.assignee ?? '—'}</td>
            {value && <td>{c.shown ?? '—'}</td>}
            <td>
              <time dateTime={c.openedAt}>{fromNow(c.openedAt, now)}</time>
            </td>
            {canReassign && <td>{c.status !== 'resolved' ? <Reassign conversation={c} agents={agents} /> : '—'}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Reassign from the board: a transfer to the chosen agent (the engine says no if they may not take it). */
function Reassign({ conversation, agents }: { conversation: ConversationSummary; agents: AgentView[] }) {
  const { t } = useTranslation();
  const [state, setState] = useState<{ busy: boolean; error: string | null; done: string }>({ busy: false, error: null, done: '' });
  const id = `reassign-${conversation.id}`;
  const choose = async (agent: string) => {
    if (!agent) return;
    setState({ busy: true, error: null, done: '' });
    try {
      await api.transfer(conversation.id, { toAgent: agent });
      setState({ busy: false, error: null, done: t('board.reassigned', { agent }) });
    } catch (err) {
      setState({ busy: false, error: messageOf(err), done: '' });
    }
  };
  return (
    <span className="reassign">
      <label htmlFor={id} className="visually-hidden">
        {t('board.reassignLabel', { customer: conversation.customer })}
      </label>
      <select id={id} value="" disabled={state.busy} onChange={(e) => void choose(e.target.value)}>
        <option value="">{t('board.reassignTo')}</option>
        {agents
          .filter((a) => a.id !== conversation.assignee && (!conversation.team || a.teams.includes(conversation.team)))
          .map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
      </select>
      {state.error && (
        <span role="alert" className="error">
          {state.error}
        </span>
      )}
      <span role="status" className="ok">
        {state.done}
      </span>
    </span>
  );
}
