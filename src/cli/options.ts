/** Option parsers shared by the analysts' commands: commander calls them and reports what it throws. */
import { InvalidArgumentError } from 'commander';
import { durationSchema } from '../domain/duration.ts';
import { parseGroupDimensions, type GroupDimension } from '../domain/kpi/groups.ts';

export const FORMATS = ['table', 'json', 'csv', 'html'] as const;
export type Format = (typeof FORMATS)[number];

const RFC3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/i;

/** An instant, RFC 3339 (a bare date means its midnight UTC), as epoch ms. */
export function parseTime(value: string): number {
  const ms = Date.parse(value);
  if (!RFC3339.test(value) || Number.isNaN(ms)) throw new InvalidArgumentError('an RFC 3339 time such as 2026-01-05T00:00:00Z (or a date, 2026-01-05)');
  return ms;
}

export function parseDuration(value: string): number {
  const parsed = durationSchema.safeParse(/^\d+$/.test(value) ? Number(value) : value);
  if (!parsed.success) throw new InvalidArgumentError('a duration such as 30m, 24h or 7d');
  return parsed.data;
}

export function parseThreads(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= 64)) throw new InvalidArgumentError('a whole number of threads from 1 to 64');
  return n;
}

/** The same reading as `GET /v1/kpis?groupBy=` (domain/kpi/groups.ts). */
export function parseGroupBy(value: string): GroupDimension[] {
  const parsed = parseGroupDimensions(value);
  if (!parsed.ok) throw new InvalidArgumentError(parsed.message);
  return parsed.dimensions;
}

export function parseFormat(value: string): Format {
  if (!(FORMATS as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${FORMATS.join(', ')}`);
  return value as Format;
}
