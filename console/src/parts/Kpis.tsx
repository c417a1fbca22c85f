import { useMemo, useState } from 'react';
import { api, messageOf, type ConversationSummary, type GroupKey, type KpiBehind, type KpiFigures, type KpiReport } from '../api.ts';
import { decimal, duration, percent } from '../format.ts';
import { t, useTranslation } from '../i18n.ts';
import { Failure } from './Failure.tsx';

type Period = { kind: 'day' | 'week'; value: string };

/** Today's UTC date and ISO week, as the report's groups name them (the report's days are UTC days). */
function todayKeys(now: Date): { day: string; week: string } {
  const day = now.toISOString().slice(0, 10);
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const weekday = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - weekday + 3);
  const year = date.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(year, 0, 4));
  const week = 1 + Math.round((date.getTime() - firstThursday.getTime()) / 86_400_000 / 7 - ((firstThursday.getUTCDay() + 6) % 7) / 7 + 3 / 7);
  return { day, week: `${year}-W${String(week).padStart(2, '0')}` };
}

/**
 * The KPIs of a day or a week, as the report computes them (`GET /v1/kpis`, the code of `cs
 * replay`): today and this week by default, or the latest the log has. Every number opens the
 * conversations it counts (`GET /v1/kpis/conversations`).
 */
export function Kpis({ day, week, now, onOpen }: { day: KpiReport; week: KpiReport; now: Date; onOpen: (title: string, conversations: Array<ConversationSummary & { shown?: string }>) => void }) {
  const { t } = useTranslation();
  const today = todayKeys(now);
  const days = useMemo(() => day.groups.map((g) => g.key.day).filter((d): d is string => !!d).sort().reverse(), [day]);
  const weeks = useMemo(() => week.groups.map((g) => g.key.week).filter((w): w is string => !!w).sort().reverse(), [week]);
  const [period, setPeriod] = useState<Period | null>(null);
  const chosen: Period = period ?? (days.includes(today.day) || days.length === 0 ? { kind: 'day', value: today.day } : { kind: 'day', value: days[0]! });
  const report = chosen.kind === 'day' ? day : week;
  const group = report.groups.find((g) => g.key[chosen.kind] === chosen.value) ?? null;
  const key: GroupKey = { [chosen.kind]: chosen.value };
  // A failed drill-down belongs to the period it was asked for.
  const [failure, setFailure] = useState<{ period: string; message: string } | null>(null);
  const periodKey = `${chosen.kind}:${chosen.value}`;
  const error = failure?.period === periodKey ? failure.message : null;

  const drill = async (figure: string, title: string) => {
    setFailure(null);
    try {
      const behind = await api.kpiConversations(figure, key);
      onOpen(t('kpi.behind', { title, shown: behind.conversations.length, total: behind.total }), behind.conversations.map((c) => ({ ...c, shown: valueOf(behind, c) })));
    } catch (err) {
      setFailure({ period: periodKey, message: messageOf(err) });
    }
  };

  const periodLabel = chosen.kind === 'day' ? (chosen.value === today.day ? t('kpi.today') : chosen.value) : chosen.value === today.week ? t('kpi.thisWeek') : chosen.value;
  const options: Array<[string, string]> = [
    [`day:${today.day}`, `${t('kpi.today')} (${today.day}, UTC)`],
    [`week:${today.week}`, `${t('kpi.thisWeek')} (${today.week})`],
    ...days.filter((d) => d !== today.day).map((d): [string, string] => [`day:${d}`, d]),
    ...weeks.filter((w) => w !== today.week).map((w): [string, string] => [`week:${w}`, w]),
  ];
  return (
    <section className="panel kpis" aria-labelledby="kpis-title">
      <div className="list-head">
        <h2 id="kpis-title">{t('kpi.title', { period: periodLabel })}</h2>
        <span className="filter">
          <label htmlFor="kpi-period">{t('kpi.period')}</label>
          <select
            id="kpi-period"
            value={`${chosen.kind}:${chosen.value}`}
            onChange={(e) => {
              const [kind, value] = e.target.value.split(':') as ['day' | 'week', string];
              setPeriod({ kind, value });
            }}
          >
            {options.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </span>
      </div>
      <p className="hint">{t('kpi.hint')}</p>
      <Failure message={error} />
      {!group ? (
        <p className="empty">{t('kpi.none')}</p>
      ) : (
        <KpiCards f={group} drill={drill} />
      )}
    </section>
  );
}

/** A conversation's own value for the figure, as the board shows it: a duration, the survey scores, yes or no. */
function valueOf(behind: KpiBehind, c: Record<string, unknown>): string | undefined {
  if (!behind.valueField) return undefined;
  const v = c[behind.valueField];
  const one = (x: unknown): string => (typeof x === 'number' ? (behind.valueField!.endsWith('Ms') ? duration(x) : decimal(x)) : typeof x === 'boolean' ? t(x ? 'kpi.yes' : 'kpi.no') : x === null || x === undefined ? '—' : String(x));
  return Array.isArray(v) ? v.map(one).join(', ') : one(v);
}

function KpiCards({ f, drill }: { f: KpiFigures; drill: (figure: string, title: string) => Promise<void> }) {
  const { t } = useTranslation();
  const s = (x: number | null) => (x === null ? null : x * 1000);
  const cards: Array<{ id: string; figure: string; title: string; value: string; detail: string; target?: string; behind?: string }> = [
    { id: 'conversations', figure: 'conversations', title: t('kpi.conversations'), value: String(f.conversations), detail: t('kpi.resolvedOpen', { resolved: f.resolved, open: f.open }) },
    {
      id: 'first-response',
      figure: 'firstResponseSeconds',
      title: t('kpi.firstResponse'),
      value: duration(s(f.firstResponseSeconds.median)),
      detail: t('kpi.p90', { p90: duration(s(f.firstResponseSeconds.p90)), count: f.firstResponseSeconds.count }),
    },
    {
      id: 'handling',
      figure: 'handlingSeconds',
      title: t('kpi.handling'),
      value: duration(s(f.handlingSeconds.mean)),
      detail: t('kpi.medianOf', { median: duration(s(f.handlingSeconds.median)), count: f.handlingSeconds.count }),
      target: t('kpi.target', { target: duration(f.serviceScore.targets.handlingSeconds * 1000) }),
    },
    {
      id: 'fcr',
      figure: 'firstContactResolution.resolved',
      title: t('kpi.fcr'),
      value: percent(f.firstContactResolution.rate),
      detail: t('kpi.ofResolved', { n: f.firstContactResolution.resolvedAtFirstContact, of: f.firstContactResolution.resolved }),
      target: t('kpi.target', { target: percent(f.serviceScore.targets.firstContactResolution) }),
    },
    {
      id: 'csat',
      figure: 'csat.answered',
      title: t('kpi.csat'),
      value: percent(f.csat.score),
      detail: t('kpi.answers', { answered: f.csat.answered, sent: f.csat.sent }),
      target: t('kpi.target', { target: percent(f.serviceScore.targets.csat) }),
    },
    { id: 'nps', figure: 'nps.answered', title: t('kpi.nps'), value: decimal(f.nps.score, 1), detail: t('kpi.answers', { answered: f.nps.answered, sent: f.nps.sent }) },
    {
      id: 'sla',
      figure: 'sla.firstResponse.breached',
      title: t('kpi.sla'),
      behind: t('kpi.breachedOf', { title: t('kpi.sla') }),
      value: percent(f.sla.firstResponse.compliance),
      detail: t('kpi.metBreached', { met: f.sla.firstResponse.met, breached: f.sla.firstResponse.breached }),
    },
    {
      id: 'sla-resolution',
      figure: 'sla.resolution.breached',
      title: t('kpi.slaResolution'),
      behind: t('kpi.breachedOf', { title: t('kpi.slaResolution') }),
      value: percent(f.sla.resolution.compliance),
      detail: t('kpi.metBreached', { met: f.sla.resolution.met, breached: f.sla.resolution.breached }),
    },
    {
      id: 'score',
      figure: 'conversations',
      title: t('kpi.score'),
      value: percent(f.serviceScore.score),
      detail: t('kpi.scoreParts', { handling: percent(f.serviceScore.handling), fcr: percent(f.serviceScore.firstContactResolution), feedback: percent(f.serviceScore.feedback) }),
    },
  ];
  return (
    <>
      <ul className="kpi-cards">
        {cards.map((c) => (
          <li key={c.id} className="kpi-card" data-kpi={c.id}>
            <button type="button" className="kpi-button" onClick={() => void drill(c.figure, c.behind ?? c.title)} aria-label={t('kpi.open', { title: c.title, value: c.value })}>
              <span className="kpi-title">{c.title}</span>{' '}
              <span className="kpi-value">{c.value}</span>
            </button>
            <span className="kpi-detail">{c.detail}</span>
            {c.target && <span className="kpi-target">{c.target}</span>}
          </li>
        ))}
      </ul>
      <Histogram bins={f.firstResponseHistogram} />
    </>
  );
}

/** First response times in buckets, as bars: how many were answered within 1 min, 5 min, … */
function Histogram({ bins }: { bins: KpiFigures['firstResponseHistogram'] }) {
  const { t } = useTranslation();
  const max = Math.max(1, ...bins.map((b) => b.count));
  const width = 84;
  const height = 120;
  const label = (b: { upToSeconds: number | null }) => (b.upToSeconds === null ? t('kpi.longer') : `≤ ${duration(b.upToSeconds * 1000)}`);
  const summary = bins.map((b) => `${label(b)}: ${b.count}`).join(', ');
  return (
    <figure className="chart">
      <figcaption>{t('kpi.histogram')}</figcaption>
      <svg role="img" aria-label={`${t('kpi.histogram')}: ${summary}`} viewBox={`0 0 ${bins.length * width} ${height + 34}`} width="100%" height={height + 34}>
        {bins.map((b, i) => {
          const h = Math.round((b.count / max) * height);
          return (
            <g key={i} transform={`translate(${i * width}, 0)`}>
              <rect x={8} y={height - h} width={width - 16} height={h} className="bar" />
              <text x={width / 2} y={height - h - 4} textAnchor="middle" className="bar-value">
                {b.count}
              </text>
              <text x={width / 2} y={height + 16} textAnchor="middle" className="bar-label">
                {label(b)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
