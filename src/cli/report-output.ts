import { writeFile } from 'node:fs/promises';
import type { GroupDimension } from '../domain/kpi/groups.ts';
import type { KpiReport } from '../domain/kpi/report.ts';
import { renderCsv } from '../replay/render/csv.ts';
import { renderHtml } from '../replay/render/html.ts';
import { reportJson } from '../replay/render/json.ts';
import { renderTable } from '../replay/render/table.ts';
import type { Format } from './options.ts';

/** The report in the chosen format, to the file or to stdout. */
export async function writeReport(report: KpiReport, format: Format, groupBy: readonly GroupDimension[], out: string | undefined, meta: Record<string, unknown>): Promise<void> {
  const text =
    format === 'json'
      ? `${JSON.stringify(reportJson(report, meta), null, 2)}\n`
      : format === 'csv'
        ? renderCsv(report, groupBy)
        : format === 'html'
          ? renderHtml(report, groupBy)
          : renderTable(report, groupBy);
  if (out) await writeFile(out, text);
  else process.stdout.write(text);
}
