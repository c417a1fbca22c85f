/** CSV: one row per group, then the total; columns are the flattened figures (RFC 4180 quoting). */
import type { GroupDimension } from '../../domain/kpi/groups.ts';
import type { KpiReport } from '../../domain/kpi/report.ts';
import { flatten, keyColumns, type Row } from './flat.ts';

export function renderCsv(report: KpiReport, dimensions: readonly GroupDimension[]): string {
  const rows: Row[] = [...report.groups.map(({ key, ...figures }) => ({ ...keyColumns(key, dimensions), ...flatten(figures) })), { ...keyColumns(null, dimensions), ...flatten(report.total) }];
  if (dimensions.length === 0) rows[0] = { ...flatten(report.total) };
  const columns: string[] = [];
  for (const row of rows) for (const c of Object.keys(row)) if (!columns.includes(c)) columns.push(c);
  const cell = (v: string | number | null | undefined) => {
    const text = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
