import type { z } from 'zod';
import type { EnvelopeAttributes } from './attributes.ts';

/**
 * Turns `data` written at version n into the shape of version n + 1. It receives the raw JSON
 * object (old schemas are not kept, so nothing was validated yet) and must be pure: return a new
 * object, never mutate the input, never look at a clock. The final shape is validated against the
 * current schema after the last step.
 */
export type Upcaster = (data: Record<string, unknown>, envelope: EnvelopeAttributes) => Record<string, unknown>;

export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  /** Schema of `data` at the current version. */
  readonly schema: S;
  /** Current `dataversion`. Bump it, with an upcaster, for any change old data would not satisfy. */
  readonly version: number;
  /** `upcasters[n]` turns version n data into version n + 1 data: one for every n below `version`. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

export type Catalogue = Readonly<Record<string, EventDefinition>>;

