/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no network), readable
 * offline. Cards, charts and the table are all drawn from the same report object, so they cannot
 * disagree.
 */
import type { KpiFigures } from '../../domain/kpi/figures.ts';
import type { GroupDimension } from '../../domain/kpi/groups.ts';
import type { KpiReport } from '../../domain/kpi/report.ts';
import { renderTable } from './table.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const secs = (s: number | null) => (s === null ? '–' : s < 3600 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#9c755f'];
const W = 560;
const H = 220;
const PAD = 36;

interface Bar {
  label: string;
  parts: Array<{ name: string; value: number }>;
}

/** Vertical bars, stacked when a bar has several parts. */
function barChart(id: string, title: string, bars: Bar[], format: (v: number) => string = String): string {
  const max = Math.max(1, ...bars.map((b) => b.parts.reduce((s, p) => s + p.value, 0)));
  const names = [...new Set(bars.flatMap((b) => b.parts.map((p) => p.name)))];
  const slot = (W - 2 * PAD) / Math.max(1, bars.length);
  const rects = bars
    .map((b, i) => {
      let y = H - PAD;
      const x = PAD + i * slot + slot * 0.15;
      const parts = b.parts
        .map((p) => {
          const h = ((H - 2 * PAD) * p.value) / max;
          y -= h;
          return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[names.indexOf(p.name) % PALETTE.length]}"><title>${esc(`${b.label} ${p.name}: ${format(p.value)}`)}</title></rect>`;
        })
        .join('');
      return `${parts}<text x="${(x + slot * 0.35).toFixed(1)}" y="${H - PAD + 14}" font-size="10" text-anchor="middle">${esc(b.label)}</text>`;
    })
    .join('');
  const legend = names.length > 1 ? names.map((n, i) => `<tspan fill="${PALETTE[i % PALETTE.length]}">■ ${esc(n)} </tspan>`).join('') : '';
  return figure(id, title, `${rects}<text x="${PAD}" y="14" font-size="11">${legend}</text><text x="4" y="${PAD}" font-size="10">${esc(format(max))}</text>`, bars.length);
}

/** Lines over weeks (values 0–1 or −100…100 normalised per series). */
function lineChart(id: string, title: string, labels: string[], series: Array<{ name: string; values: Array<number | null>; min: number; max: number; format: (v: number) => string }>): string {
  const step = (W - 2 * PAD) / Math.max(1, labels.length - 1);
  const paths = series
    .map((s, si) => {
      const points = s.values
        .map((v, i) => (v === null ? null : [PAD + i * step, H - PAD - ((H - 2 * PAD) * (v - s.min)) / (s.max - s.min), v] as const))
        .filter((p): p is readonly [number, number, number] => p !== null);
      const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
      const dots = points.map(([x, y, v]) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${PALETTE[si]}"><title>${esc(`${s.name}: ${s.format(v)}`)}</title></circle>`).join('');
      return `<path d="${d}" fill="none" stroke="${PALETTE[si]}" stroke-width="2"/>${dots}`;
    })
    .join('');
  const axis = labels.map((l, i) => `<text x="${(PAD + i * step).toFixed(1)}" y="${H - PAD + 14}" font-size="10" text-anchor="middle">${esc(l)}</text>`).join('');
  const legend = series.map((s, i) => `<tspan fill="${PALETTE[i]}">■ ${esc(s.name)} </tspan>`).join('');
  return figure(id, title, `${paths}${axis}<text x="${PAD}" y="14" font-size="11">${legend}</text>`, labels.length);
}

function figure(id: string, title: string, body: string, points: number): string {
  const empty = points === 0 ? `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12">no data</text>` : '';
  return `<figure class="chart" id="${id}"><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}"><line x1="${PAD}" y1="${H - PAD}" x2="${W - PAD}" y2="${H - PAD}" stroke="#999"/>${body}${empty}</svg></figure>`;
}

function cards(t: KpiFigures): string {
  const card = (label: string, value: string) => `<div class="card"><div class="value">${esc(value)}</div><div class="label">${esc(label)}</div></div>`;
  return [
    card('conversations', String(t.conversations)),
    card('first response (median)', secs(t.firstResponseSeconds.median)),
    card('first response (p90)', secs(t.firstResponseSeconds.p90)),
    card('handling time (mean)', secs(t.handlingSeconds.mean)),
    card('first-contact resolution', pct(t.firstContactResolution.rate)),
    card('reopen rate', pct(t.reopenRate.rate)),
    card('CSAT', pct(t.csat.score)),
    card('NPS', t.nps.score === null ? '–' : t.nps.score.toFixed(1)),
    card('service score', t.serviceScore.score === null ? '–' : (t.serviceScore.score * 100).toFixed(1)),
  ].join('');
}

export function renderHtml(report: KpiReport, dimensions: readonly GroupDimension[], title = 'Customer service KPI report'): string {
  const t = report.total;
  const weeks = t.weekly.map((w) => w.week);
  const charts = [
    barChart('volume-per-channel-per-week', 'Volume per channel per week', t.weekly.map((w) => ({ label: w.week, parts: Object.entries(w.conversations).map(([name, value]) => ({ name, value })) }))),
    barChart(
      'first-response-distribution',
      'First response time distribution',
      t.firstResponseHistogram.map((b) => ({ label: b.upToSeconds === null ? '> 24h' : `≤ ${secs(b.upToSeconds)}`, parts: [{ name: 'conversations', value: b.count }] })),
    ),
    barChart(
      'sla-compliance',
      'SLA compliance per metric',
      (['firstResponse', 'nextResponse', 'resolution'] as const).map((m) => ({ label: m, parts: [{ name: 'compliance', value: t.sla[m].compliance ?? 0 }] })),
      (v) => pct(v),
    ),
    lineChart('csat-nps-trend', 'CSAT and NPS per week', weeks, [
      { name: 'CSAT', values: t.weekly.map((w) => w.csat), min: 0, max: 1, format: pct },
      { name: 'NPS', values: t.weekly.map((w) => w.nps), min: -100, max: 100, format: (v) => v.toFixed(1) },
    ]),
    barChart('contact-reasons', 'Contact reasons', t.contactReasons.map((r) => ({ label: r.category ?? '(none)', parts: [{ name: 'share', value: r.share }] })), (v) => pct(v)),
    barChart('backlog', 'Backlog (open at the end of each day)', t.backlog.map((b) => ({ label: b.day.slice(5), parts: [{ name: 'open', value: b.open }] }))),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:140px}
.value{font-size:22px;font-weight:600}.label{color:#666;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{margin:0}figcaption{font-weight:600;margin:12px 0 4px}
pre{background:#f6f6f6;padding:12px;overflow:auto;font-size:12px}
</style></head>
<body>
<h1>${esc(title)}</h1>
<section class="cards" id="summary">${cards(t)}</section>
<section class="charts">
${charts}
</section>
<h2>Figures${dimensions.length ? ` by ${esc(dimensions.join(', '))}` : ''}</h2>
<pre id="table">${esc(renderTable(report, dimensions))}</pre>
<p>Definitions: docs/metrics.md. Durations in seconds unless marked; percentiles by nearest rank.</p>
</body></html>
`;
}
