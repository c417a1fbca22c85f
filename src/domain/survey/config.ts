/**
 * A tenant's survey settings (YAML in, validated by zod at start-up). Durations as `5m`, `1h`,
 * `7d`, or milliseconds.
 *
 *   csat: { enabled: true, delay: 1h, delayByChannel: { chat: 0s }, throttle: 7d }
 *   nps: { enabled: true, cadence: 90d, minCustomerAge: 30d, delay: 1h }
 *   channels: [email, chat, sms, social]
 *   skipWhenResolvedBy: [inactivity, system]
 */
import { z } from 'zod';
import { channelSchema } from '../../../events/types/message.ts';
import { delaySchema, durationSchema } from '../duration.ts';

const delayByChannelSchema = z.strictObject(Object.fromEntries(channelSchema.options.map((c) => [c, delaySchema.optional()])) as Record<z.output<typeof channelSchema>, z.ZodOptional<typeof delaySchema>>);

export const surveySettingsSchema = z.strictObject({
  /** Satisfaction with one conversation, 1–5. */
  csat: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** How long after the resolution the invitation goes out (the customer may still write back). */
      delay: delaySchema.prefault('1h'),
      /** Per channel, instead of `delay` (a chat survey right away, while the widget is open: `chat: 0s`). */
      delayByChannel: delayByChannelSchema.default({}),
      /** A customer gets at most one CSAT invitation per this window; one exactly this long after the last may go. */
      throttle: durationSchema.prefault('7d'),
    })
    .prefault({}),
  /** Likelihood to recommend, 0–10: about the relationship, on its own, slower cadence. */
  nps: z
    .strictObject({
      enabled: z.boolean().default(true),
      delay: delaySchema.prefault('1h'),
      /** At most one NPS invitation per customer per this window. */
      cadence: durationSchema.prefault('90d'),
      /**
       * Not before the customer has known us this long (since first seen): a first contact is asked
       * about that contact (CSAT), not about a relationship that has not begun.
       */
      minCustomerAge: delaySchema.prefault('30d'),
    })
    .prefault({}),
  /** Channels surveys go out on; a resolution whose customer wrote on another channel gets none. */
  channels: z.array(channelSchema).min(1).default(['email', 'chat', 'sms', 'social']),
  /**
   * Resolutions that get no survey. Default: inactivity (the customer went quiet: we do not know the
   * problem was solved, and asking after silence mostly annoys) and system (housekeeping: merges, a
   * conversation closed because another was reopened, a bot's resolution).
   */
  skipWhenResolvedBy: z.array(z.enum(['agent', 'customer', 'system', 'inactivity'])).default(['inactivity', 'system']),
});

export type SurveySettingsInput = z.input<typeof surveySettingsSchema>;
export type SurveySettings = z.output<typeof surveySettingsSchema>;

export const defaultSurveySettings: SurveySettings = surveySettingsSchema.parse({});
