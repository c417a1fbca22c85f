/**
 * Durations as configuration writes them: `90s`, `15m`, `24h`, `7d`, or milliseconds. One syntax
 * for the engine configuration and every tenant policy (triage, SLA, surveys).
 */
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const durationText = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30s, 15m, 24h or 7d')
  .transform((text) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(text)!;
    return Number(amount) * UNIT_MS[unit as Unit];
  });

/** A positive duration, in milliseconds once parsed. */
export const durationSchema = z.union([z.number().int().positive(), durationText.pipe(z.number().int().positive())]);

/** A duration that may be zero (a delay of `0s` means "right away"), in milliseconds once parsed. */
export const delaySchema = z.union([z.number().int().nonnegative(), durationText]);

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** A duration as configuration would write it, in the largest unit that divides it (`30d`, `36h`, `90s`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  return `${ms}ms`;
}
