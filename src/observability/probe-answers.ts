import { createHash, timingSafeEqual } from 'node:crypto';
import { enableProcessMetrics, metricsRegistry } from './metrics.ts';
import { readiness, type ReadinessCheck } from './readiness.ts';

/**
 * What `/healthz`, `/readyz` and `/metrics` answer, the same on the api's port and on the metrics
 * port of the other roles (probe-server.ts). Bodies are JSON but for the metrics' text format; a
 * refusal has the API's shape, `{error, message}`.
 */
export interface ProbeAnswer {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const json = (status: number, body: unknown): ProbeAnswer => ({ status, contentType: JSON_TYPE, body: JSON.stringify(body) });

/** The process runs and answers: nothing else is asked. */
export const livenessAnswer = (): ProbeAnswer => json(200, { status: 'ok' });

/** 200 when every check passes; 503 naming the ones that failed and why. */
export async function readinessAnswer(more: Record<string, ReadinessCheck> = {}): Promise<ProbeAnswer> {
  const { ready, checks } = await readiness.report(more);
  if (ready) return json(200, { status: 'ready', checks });
  const failed = Object.entries(checks).filter(([, outcome]) => outcome !== 'ok');
  return json(503, {
    status: 'unready',
    error: 'unready',
    message: `not ready: ${failed.map(([name, why]) => `${name} (${why})`).join(', ')}`,
    failed: failed.map(([name]) => name),
    checks,
  });
}

/**
 * The metrics in Prometheus' text format. With a token configured (`metrics.token`), only a request
 * carrying `Authorization: Bearer <token>` gets them: the volumes they show are nobody else's business.
 */
export async function metricsAnswer(token: string, authorization: string | undefined): Promise<ProbeAnswer> {
  if (token !== '' && !bearerMatches(token, authorization)) {
    return json(401, { error: 'unauthorized', message: 'the metrics need the configured bearer token (metrics.token)' });
  }
  enableProcessMetrics();
  return { status: 200, contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}

function bearerMatches(token: string, authorization: string | undefined): boolean {
  const given = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
  // Compared as digests: equal lengths, and no timing tells how much of the token was right.
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}
