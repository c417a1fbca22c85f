import { z } from 'zod';
import type { EventDefinition } from '../definition.ts';
import { sealable } from '../sealed.ts';
import { idSchema } from './common.ts';
import { channelSchema } from './message.ts';

const surveyKind = z.enum(['csat', 'nps']);

export const surveySentData = z
  .strictObject({
    surveyId: idSchema,
    /** csat: 1–5 satisfaction with this conversation; nps: 0–10 likelihood to recommend. */
    kind: surveyKind,
    channel: channelSchema,
  })
  .describe('A survey invitation went out for a resolved conversation.');

export const surveyAnsweredData = z
  .strictObject({
    surveyId: idSchema,
    kind: surveyKind,
    score: z.number().int().min(0).max(10),
    comment: sealable(z.string().max(5000)).optional(),
  })
  .refine((d) => d.kind === 'nps' || (d.score >= 1 && d.score <= 5), {
    path: ['score'],
    message: 'a CSAT score is 1 to 5',
  })
  .describe('The customer answered a survey.');

export const surveySent = { schema: surveySentData, version: 1, upcasters: {} } satisfies EventDefinition;
export const surveyAnswered = { schema: surveyAnsweredData, version: 1, upcasters: {} } satisfies EventDefinition;
