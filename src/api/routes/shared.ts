import type { ProjectionReader } from '../../projections/reader.ts';

export interface ReadDeps {
  reader: ProjectionReader;
}

/** Query-string schema of a `?limit=` (fastify coerces the text to an integer and answers 400 when out of range). */
export const limitQuery = (defaultLimit: number, max: number) =>
  ({
    type: 'object',
    properties: { limit: { type: 'integer', minimum: 1, maximum: max, default: defaultLimit } },
  }) as const;
