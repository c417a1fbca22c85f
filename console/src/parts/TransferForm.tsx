import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, type AgentView, type Conversation, type Session } from '../api.ts';
import { presenceName, teamName } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import type { Act } from '../pages/Conversation.tsx';
import { can } from '../session.ts';

/**
 * Transfer to a team's queue, or (supervisors: conversations:assign-others) to an agent. An agent
 * may hand a conversation back to any team they know; the engine refuses what the person may not do.
 */
export function TransferForm({ id, session, conversation, act, busy, onDone }: { id: string; session: Session; conversation: Conversation; act: Act; busy: boolean; onDone: () => void }) {
  const { t } = useTranslation();
  const [agents, setAgents] = useState<AgentView[]>([]);
  const [team, setTeam] = useState('');
  const [agent, setAgent] = useState('');
  const [reason, setReason] = useState('');
  const assignsOthers = can(session, 'conversations:assign-others');

  useEffect(() => {
    if (!can(session, 'presence:read')) return;
    api.agents().then(setAgents, () => undefined);
  }, [session]);

  const teams = useMemo(() => [...new Set([...(session.teams ?? []), ...agents.flatMap((a) => a.teams), ...(conversation.team ? [conversation.team] : [])])].sort(), [agents, session.teams, conversation.team]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { ...(team ? { toTeam: team } : {}), ...(agent ? { toAgent: agent } : { toAgent: null }), ...(reason.trim() ? { reason: reason.trim() } : {}) };
    const ok = await act(
      'transfer',
      () => api.transfer(id, body),
      (v) => (agent ? v.conversation.assignee === agent : v.conversation.assignee === null) && (!team || v.conversation.team === team),
      t('transfer.done'),
    );
    if (ok) onDone();
  };

  return (
    <form className="panel transfer" onSubmit={(e) => void submit(e)} aria-labelledby="transfer-title">
      <h2 id="transfer-title">{t('transfer.title')}</h2>
      <div className="inline">
        <span className="filter">
          <label htmlFor="transfer-team">{t('transfer.team')}</label>
          <select id="transfer-team" value={team} onChange={(e) => setTeam(e.target.value)}>
            <option value="">{t('transfer.sameTeam')}</option>
            {teams.map((tm) => (
              <option key={tm} value={tm}>
                {teamName(tm)}
              </option>
            ))}
          </select>
        </span>
        {assignsOthers && (
          <span className="filter">
            <label htmlFor="transfer-agent">{t('transfer.agent')}</label>
            <select id="transfer-agent" value={agent} onChange={(e) => setAgent(e.target.value)}>
              <option value="">{t('transfer.queue')}</option>
              {agents
                .filter((a) => a.id !== conversation.assignee && (!team || a.teams.includes(team)))
                .map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({presenceName(a.status)})
                  </option>
                ))}
            </select>
          </span>
        )}
        <span className="filter grow">
          <label htmlFor="transfer-reason">{t('transfer.reason')}</label>
          <input id="transfer-reason" value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
        </span>
      </div>
      <div className="composer-actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('transfer.submit')}
        </button>
        <button type="button" className="quiet" onClick={onDone}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
