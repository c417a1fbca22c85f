import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { FigureSelection, isKpiFigure, KPI_FIGURES } from '../../domain/kpi/figures.ts';
import { parseGroupDimensions, parseGroupKey, type GroupDimension } from '../../domain/kpi/groups.ts';
import { DEFAULT_FCR_WINDOW_MS } from '../../domain/kpi/report.ts';
import type { KpiTargets } from '../../domain/kpi/targets.ts';
import type { Conversation, Customer } from '../../domain/state.ts';
import { sendError } from '../../http/errors.ts';
import type { ProjectionReader } from '../../projections/reader.ts';
import { summarize } from '../../projections/views.ts';
import { readNamespace } from '../../replay/live-source.ts';
import { reportJson, type ReportJson } from '../../replay/render/json.ts';
import { liveReport, liveReportMeta } from '../../replay/run.ts';

export interface KpiDeps {
  redis: Redis;
  /** Gives the namespace reads use now (a rebuild's switch is seen at once). */
  reader: ProjectionReader;
  /** Each tenant's `kpiTargets` (replay/targets.ts), as `cs report` and `cs replay` read them. */
  targets: (tenant: string) => KpiTargets;
}

const reportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { groupBy: { type: 'string', maxLength: 200 } },
} as const;

const drillQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['figure'],
  properties: {
    figure: { type: 'string', minLength: 1, maxLength: 100 },
    group: { type: 'string', minLength: 2, maxLength: 2000 },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

/**
 * The supervisors' board (`kpis:read`), always the caller's own tenant:
 *
 * - `GET /v1/kpis?groupBy=day,week`: the KPI report of the live projections, the very JSON
 *   `cs report --format json --tenant <t>` writes (the same `liveReport`, targets and `reportJson`),
 *   equal but for `meta` to `cs replay --format json --tenant <t>` of the same log.
 * - `GET /v1/kpis/conversations?figure=sla.firstResponse.breached&group={"day":"2026-01-05"}`: the
 *   conversations behind one number of it (domain/kpi/figures.ts, `FigureSelection`).
 *
 * Cost: each request reads the tenant's projections whole, as `cs report --tenant` does. Redis
 * walks its whole key space for the SCAN (in steps of 2,000 keys; MATCH filters on the server, so
 * only the tenant's fold keys come back); then one fold state per customer and every stored
 * conversation of the tenant are read and parsed, a page at a time. Nothing of another tenant is
 * read. Memory is the report's tallies (counts and value maps), or for a drill-down about twice
 * `limit` conversations, not the tenant's records. Fine for a board that asks again when the live
 * feed says something changed; consoles asking at once for the same report share one read (see
 * `Coalesced`). A tenant with millions of conversations would want the tallies kept by the fold instead.
 */
export function kpiRoutes(app: FastifyInstance, deps: KpiDeps): void {
  const reports = new Coalesced<ReportJson>();

  app.get<{ Querystring: { groupBy?: string } }>('/kpis', { schema: { querystring: reportQuery }, config: { access: 'kpis:read' } }, async (request, reply) => {
    const parsed = parseGroupDimensions(request.query.groupBy ?? '');
    if (!parsed.ok) return sendError(reply, 400, 'unknown_dimension', parsed.message, { unknown: parsed.unknown });
    const tenant = request.tenant;
    const { namespace } = await deps.reader.scope(tenant);
    const groupBy: GroupDimension[] = parsed.dimensions;
    return reports.run(JSON.stringify([namespace, tenant, groupBy]), async () => {
      const live = await liveReport(deps.redis, namespace, { groupBy, fcrWindowMs: DEFAULT_FCR_WINDOW_MS, targets: deps.targets }, tenant);
      return reportJson(live.report, liveReportMeta(namespace, live));
    });
  });

  app.get<{ Querystring: { figure: string; group?: string; limit: number } }>(
    '/kpis/conversations',
    { schema: { querystring: drillQuery }, config: { access: 'kpis:read' } },
    async (request, reply) => {
      const { figure, limit } = request.query;
      if (!isKpiFigure(figure)) return sendError(reply, 400, 'unknown_figure', `unknown figure ${figure}; use one of ${KPI_FIGURES.join(', ')}`, { figures: KPI_FIGURES });
      const group = request.query.group === undefined ? null : parseGroupKey(request.query.group);
      if (group && !group.ok) return sendError(reply, 400, 'invalid_group', group.message);
      const tenant = request.tenant;
      const { namespace } = await deps.reader.scope(tenant);
      const selection = new FigureSelection(figure, { ...(group ? { group } : {}), limit, fcrWindowMs: DEFAULT_FCR_WINDOW_MS });
      // The SCAN pattern holds the tenant already; the check costs nothing and keeps it so whatever the pattern.
      const conversation = (c: Conversation, customer: Customer) => {
        if (c.tenant === tenant) selection.add(c, customer);
      };
      await readNamespace(deps.redis, namespace, { customer: () => undefined, conversation }, tenant);
      const result = selection.result();
      return {
        figure,
        group: group ? group.key : null,
        number: result.number,
        total: result.total,
        valueField: result.valueName,
        conversations: result.members.map((m) => ({
          ...summarize(m.conversation),
          counted: m.counted,
          ...(result.valueName !== null && m.value !== undefined ? { [result.valueName]: m.value } : {}),
        })),
      };
    },
  );
}

/**
 * One read per key at a time, and at most one more waiting: a request that comes while a read runs
 * shares the next one, which starts after it came (a read already running may have missed the
 * change the request was told of), so N consoles refreshing at once cost two reads, not N.
 */
export class Coalesced<T> {
  private readonly running = new Map<string, Promise<T>>();
  private readonly waiting = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const waiting = this.waiting.get(key);
    if (waiting) return waiting;
    const running = this.running.get(key);
    if (!running) return this.start(key, work);
    const next = running
      .catch(() => undefined)
      .then(() => {
        this.waiting.delete(key);
        return this.start(key, work);
      });
    this.waiting.set(key, next);
    return next;
  }

  private start(key: string, work: () => Promise<T>): Promise<T> {
    const started = work().finally(() => {
      if (this.running.get(key) === started) this.running.delete(key);
    });
    this.running.set(key, started);
    return started;
  }
}
