/** A report row as flat columns (CSV, the table): nested figures joined by dots, lists left out. */
import type { KpiFigures } from '../../domain/kpi/figures.ts';
import type { GroupDimension, GroupKey } from '../../domain/kpi/groups.ts';

export type Row = Record<string, string | number | null>;

const LISTS = new Set(['contactReasons', 'channels', 'backlog', 'weekly', 'firstResponseHistogram']);

export function flatten(figures: KpiFigures): Row {
  const row: Row = {};
  const walk = (value: unknown, path: string) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    } else if (!Array.isArray(value)) row[path] = value as string | number | null;
  };
  for (const [k, v] of Object.entries(figures)) if (!LISTS.has(k)) walk(v, k);
  // Contact reasons and channels as one share column each: what a spreadsheet wants.
  for (const r of figures.contactReasons) row[`contactReasons.${r.category ?? '(none)'}`] = r.share;
  for (const c of figures.channels) row[`channels.${c.channel ?? '(none)'}`] = c.conversations;
  return row;
}

export function keyColumns(key: GroupKey | null, dimensions: readonly GroupDimension[]): Row {
  return Object.fromEntries(dimensions.map((d) => [d, key === null ? '(total)' : (key[d] ?? '')]));
}
