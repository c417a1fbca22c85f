import { useCallback, useEffect, useState } from 'react';
import { api, CHANNELS, messageOf, type AgentView, type Channel, type Presence } from '../api.ts';
import { channelName, presenceName } from '../format.ts';
import { useTranslation } from '../i18n.ts';
import { useLiveRefresh } from '../live.ts';

const PRESENCES: readonly Presence[] = ['online', 'away', 'offline'];

/**
 * The agent's own presence (online takes new conversations, away keeps what it holds, offline) and
 * seats per channel for this session, as the fold has them; a change is an event like any other.
 */
export function PresenceMenu({ agent }: { agent: string }) {
  const { t } = useTranslation();
  const [me, setMe] = useState<AgentView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [seats, setSeats] = useState<Partial<Record<Channel, string>>>({});

  const load = useCallback(async () => {
    try {
      setMe(await api.agent(agent));
    } catch (err) {
      setError(messageOf(err));
    }
  }, [agent]);
  useEffect(() => {
    let current = true;
    api.agent(agent).then(
      (view) => current && setMe(view),
      (err: unknown) => current && setError(messageOf(err)),
    );
    return () => {
      current = false;
    };
  }, [agent]);
  useLiveRefresh(load);

  const change = async (status: Presence, capacity?: Partial<Record<Channel, number | null>>) => {
    setError(null);
    try {
      await api.setPresence(agent, status, capacity);
      setMe((m) => (m ? { ...m, status, capacity: { ...m.capacity, ...(capacity as Record<Channel, number>) } } : m));
    } catch (err) {
      setError(messageOf(err));
    }
  };

  const saveSeats = async () => {
    const capacity: Partial<Record<Channel, number>> = {};
    for (const [channel, value] of Object.entries(seats)) if (value !== undefined && value !== '') capacity[channel as Channel] = Number(value);
    await change(me?.status ?? 'online', capacity);
    setOpen(false);
  };

  const status = me?.status ?? 'offline';
  return (
    <div className="presence">
      <label htmlFor="presence-status" className="visually-hidden">
        {t('presence.label')}
      </label>
      <span className={`presence-dot presence-${status}`} aria-hidden="true" />
      <select id="presence-status" value={status} onChange={(e) => void change(e.target.value as Presence)} disabled={!me}>
        {PRESENCES.map((p) => (
          <option key={p} value={p}>
            {presenceName(p)}
          </option>
        ))}
      </select>
      <button type="button" className="quiet" aria-expanded={open} aria-controls="seats" onClick={() => setOpen((o) => !o)} disabled={!me}>
        {t('presence.seats')}
      </button>
      {open && me && (
        <div id="seats" className="panel seats" role="group" aria-label={t('presence.seatsLabel')}>
          {CHANNELS.map((channel) => (
            <label key={channel}>
              {channelName(channel)}{' '}
              <span className="muted">{t('presence.load', { load: me.load[channel] ?? 0 })}</span>
              <input type="number" min={0} max={100} value={seats[channel] ?? String(me.capacity[channel] ?? 0)} onChange={(e) => setSeats((s) => ({ ...s, [channel]: e.target.value }))} />
            </label>
          ))}
          <button type="button" className="primary" onClick={() => void saveSeats()}>
            {t('common.save')}
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="who-error">
          {error}
        </p>
      )}
    </div>
  );
}
