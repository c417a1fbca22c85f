/**
 * The runtime's layering, lower first: a folder imports only folders of lower layers (its own files
 * always; never another folder of its own layer). `layers.unit.spec.ts` holds every relative import
 * under src/, events/ and workers/ to this table, and refuses circles between files.
 *
 * A folder is `events`, `workers`, or `src/<name>` (everything below it belongs to it). A new folder
 * fails the spec until it is placed here.
 */
export const LAYERS: readonly (readonly string[])[] = [
  /* 0 */ ['events'],
  /* 1 */ ['src/domain'],
  /* 2 */ ['src/tenants', 'src/observability', 'src/ndjson'],
  /* 3 */ ['src/config'],
  /* 4 */ ['src/log', 'src/queues', 'src/projections', 'src/surveys', 'src/http', 'src/attachments', 'src/privacy'],
  /* 5 */ ['src/retention'],
  /* 6 */ ['src/fold', 'src/channels', 'src/workflow', 'src/outbound', 'src/media', 'src/webhooks', 'src/replay', 'src/accounts', 'src/canned'],
  /* 7 */ ['src/erasure'],
  /* 8 */ ['src/api'],
  /* 9 */ ['src/roles', 'src/cli'],
  /* 10 */ ['workers'],
];

/** The roots whose .ts files the spec reads. */
export const LAYERED_ROOTS = ['src', 'events', 'workers'] as const;

/** The layer of a folder, or undefined when the table does not place it. */
export function layerOf(folder: string): number | undefined {
  const layer = LAYERS.findIndex((folders) => folders.includes(folder));
  return layer === -1 ? undefined : layer;
}

/**
 * The folder a repository-relative path (forward slashes) belongs to: `src/<name>` under src/,
 * else its first segment (`events`, `workers`, or whatever lies outside the layered roots).
 */
export function folderOf(path: string): string {
  const [first, second] = path.split('/');
  if (first === 'src' && second !== undefined && path.split('/').length > 2) return `src/${second}`;
  return first!;
}
