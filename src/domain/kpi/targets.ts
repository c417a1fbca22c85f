/**
 * A tenant's service targets: what the weighted service score measures against (docs/metrics.md).
 * Set per tenant in its settings file under `kpiTargets`; these defaults otherwise.
 */
import { z } from 'zod';
import { durationSchema } from '../duration.ts';

export const kpiTargetsSchema = z.strictObject({
  /** Mean handling time at or under this scores 1 (durations as `45m`, `4h`). */
  handlingTime: durationSchema.default(4 * 3_600_000),
  /** First-contact resolution rate (0–1) at or above this scores 1. */
  firstContactResolution: z.number().gt(0).max(1).default(0.7),
  /** CSAT (share of 4–5 answers, 0–1) at or above this scores 1. */
  csat: z.number().gt(0).max(1).default(0.8),
});

export type KpiTargets = z.output<typeof kpiTargetsSchema>;
export const defaultKpiTargets: KpiTargets = kpiTargetsSchema.parse({});

/** The weights from the customer-service literature: handling time 40 %, FCR 30 %, customer feedback 30 %. */
export const SERVICE_SCORE_WEIGHTS = { handling: 0.4, firstContactResolution: 0.3, feedback: 0.3 } as const;

export interface ServiceScore {
  /** 0–1: the weighted mean of the components that have data (weights re-scaled over those). */
  score: number | null;
  handling: number | null;
  firstContactResolution: number | null;
  feedback: number | null;
  targets: { handlingSeconds: number; firstContactResolution: number; csat: number };
}

/**
 * Each component normalised to 0–1 against the target: handling = min(1, target / mean handling
 * time) (twice the target scores 0.5); FCR = min(1, rate / target); feedback = min(1, CSAT / target).
 */
export function serviceScore(input: { meanHandlingSeconds: number | null; fcrRate: number | null; csat: number | null }, targets: KpiTargets): ServiceScore {
  const targetSeconds = targets.handlingTime / 1000;
  const handling = input.meanHandlingSeconds === null ? null : input.meanHandlingSeconds <= targetSeconds ? 1 : targetSeconds / input.meanHandlingSeconds;
  const fcr = input.fcrRate === null ? null : Math.min(1, input.fcrRate / targets.firstContactResolution);
  const feedback = input.csat === null ? null : Math.min(1, input.csat / targets.csat);
  const parts: Array<[number | null, number]> = [
    [handling, SERVICE_SCORE_WEIGHTS.handling],
    [fcr, SERVICE_SCORE_WEIGHTS.firstContactResolution],
    [feedback, SERVICE_SCORE_WEIGHTS.feedback],
  ];
  const present = parts.filter((p): p is [number, number] => p[0] !== null);
  const weight = present.reduce((w, [, wi]) => w + wi, 0);
  const score = present.length === 0 ? null : round4(present.reduce((s, [v, w]) => s + v * w, 0) / weight);
  return {
    score,
    handling: handling === null ? null : round4(handling),
    firstContactResolution: fcr === null ? null : round4(fcr),
    feedback: feedback === null ? null : round4(feedback),
    targets: { handlingSeconds: targetSeconds, firstContactResolution: targets.firstContactResolution, csat: targets.csat },
  };
}

/** Rates and scores carry 4 decimals: enough for a report, and the same on every machine. */
export const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** numerator / denominator to 4 decimals; null when there is nothing to divide by. */
export const rate = (numerator: number, denominator: number) => (denominator === 0 ? null : round4(numerator / denominator));
