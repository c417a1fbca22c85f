/** The report as `--format json` writes it and `GET /v1/kpis` answers it: the figures, then `meta` (what the run read). */
import type { KpiReport } from '../../domain/kpi/report.ts';

export type ReportJson = KpiReport & { meta: Record<string, unknown> };

export const reportJson = (report: KpiReport, meta: Record<string, unknown>): ReportJson => ({ ...report, meta });
