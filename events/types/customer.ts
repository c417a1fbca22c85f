import { z } from 'zod';
import type { EventDefinition } from '../definition.ts';
import { sealable } from '../sealed.ts';
import { actorSchema, idSchema } from './common.ts';
import { channelSchema, providerSchema } from './message.ts';

export const customerIdentifiedData = z
  .strictObject({
    channel: channelSchema,
    provider: providerSchema,
    /** The normalised handle (lower-cased e-mail, E.164 phone, provider-scoped social id). */
    handle: sealable(z.string().min(1).max(320)),
  })
  .describe('A handle was seen for the first time and now belongs to this customer.');

export const customerMergedData = z
  .strictObject({
    /** The customer that remains. */
    survivor: idSchema,
    /** The customer folded into the survivor. */
    absorbed: idSchema,
    by: actorSchema,
  })
  .describe(
    'Two customers are one person. Written twice, once on each customer’s key, so each partition sees it in order with that customer’s other events.',
  );

export const customerErasedData = z
  .strictObject({
    /** Who asked for the erasure (an admin, an API key, the command line). */
    by: actorSchema,
    /** The customers merged into this one, whose keys were destroyed with its own. */
    merged: z.array(idSchema).max(1000),
  })
  .describe(
    'The customer exercised their right to be forgotten: their data keys are destroyed, so every sealed field of their events reads "[erased]". Carries no personal data.',
  );

export const customerIdentified = { schema: customerIdentifiedData, version: 1, upcasters: {} } satisfies EventDefinition;
export const customerMerged = { schema: customerMergedData, version: 1, upcasters: {} } satisfies EventDefinition;
export const customerErased = { schema: customerErasedData, version: 1, upcasters: {} } satisfies EventDefinition;
