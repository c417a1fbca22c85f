/** The terminal report: the total's main figures, then one line per group. */
import type { KpiFigures } from '../../domain/kpi/figures.ts';
import type { GroupDimension } from '../../domain/kpi/groups.ts';
import type { KpiReport } from '../../domain/kpi/report.ts';

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const dur = (s: number | null) => {
  if (s === null) return '–';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${(s / 60).toFixed(1)}m`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86_400).toFixed(1)}d`;
};

const COLUMNS: Array<[string, (f: KpiFigures) => string]> = [
  ['conversations', (f) => String(f.conversations)],
  ['customer-init', (f) => String(f.customerInitiated)],
  ['customers', (f) => String(f.customers)],
  ['FRT median', (f) => dur(f.firstResponseSeconds.median)],
  ['FRT p90', (f) => dur(f.firstResponseSeconds.p90)],
  ['NRT median', (f) => dur(f.nextResponseSeconds.median)],
  ['handling mean', (f) => dur(f.handlingSeconds.mean)],
  ['resolution median', (f) => dur(f.resolutionSeconds.median)],
  ['reopen', (f) => pct(f.reopenRate.rate)],
  ['FCR', (f) => pct(f.firstContactResolution.rate)],
  ['CSAT', (f) => pct(f.csat.score)],
  ['NPS', (f) => (f.nps.score === null ? '–' : f.nps.score.toFixed(1))],
  ['SLA first', (f) => pct(f.sla.firstResponse.compliance)],
  ['SLA next', (f) => pct(f.sla.nextResponse.compliance)],
  ['SLA resolution', (f) => pct(f.sla.resolution.compliance)],
  ['score', (f) => (f.serviceScore.score === null ? '–' : f.serviceScore.score.toFixed(3))],
];

export function renderTable(report: KpiReport, dimensions: readonly GroupDimension[]): string {
  const header = [...dimensions, ...COLUMNS.map(([name]) => name)];
  const rows = report.groups.map((g) => [...dimensions.map((d) => g.key[d] ?? '–'), ...COLUMNS.map(([, f]) => f(g))]);
  rows.push([...dimensions.map((_, i) => (i === 0 ? 'total' : '')), ...COLUMNS.map(([, f]) => f(report.total))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < dimensions.length ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const t = report.total;
  const reasons = t.contactReasons.map((r) => `${r.category ?? '(none)'} ${pct(r.share)}`).join(', ');
  const channels = t.channels.map((c) => `${c.channel ?? '(none)'} ${c.conversations}`).join(', ');
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `contact reasons: ${reasons || '–'}`,
    `volume per channel: ${channels || '–'}`,
    `backlog at the last day's end: ${t.backlog.at(-1)?.open ?? 0} (${t.backlog.at(-1)?.day ?? '–'})`,
    '',
  ].join('\n');
}
