import { z } from 'zod';
import type { EventDefinition } from '../definition.ts';
import { slaMetricSchema } from './common.ts';

const slaData = z.strictObject({
  /** firstResponse, nextResponse or resolution. */
  metric: slaMetricSchema,
  /** The deadline in force, computed from the tenant's business calendar. */
  dueAt: z.iso.datetime({ offset: true }),
});

export const slaWarnedData = slaData.describe('A conversation reached the warning share (e.g. 80 %) of an SLA target.');
export const slaBreachedData = slaData.describe('An SLA deadline passed without the awaited step.');

export const slaWarned = { schema: slaWarnedData, version: 1, upcasters: {} } satisfies EventDefinition;
export const slaBreached = { schema: slaBreachedData, version: 1, upcasters: {} } satisfies EventDefinition;
