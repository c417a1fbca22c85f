import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.ts';
import { livenessAnswer, metricsAnswer, readinessAnswer, type ProbeAnswer } from './probe-answers.ts';

export interface ProbeServer {
  /** The port listened on (useful with an ephemeral port). */
  port: number;
  close(): Promise<void>;
}

const notFound: ProbeAnswer = { status: 404, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ error: 'not_found', message: 'GET /healthz, /readyz or /metrics' }) };

/**
 * The metrics and health port of a role without an HTTP server of its own (config `metrics`):
 * `/healthz`, `/readyz`, `/metrics`, GET or HEAD, nothing else. Plain node:http, so it answers even
 * while the role's own start-up is still waiting on Kafka or Redis.
 */
export async function startProbeServer(o: { host: string; port: number; token: string; logger: Logger }): Promise<ProbeServer> {
  const log = o.logger.child({ component: 'probes' });
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const get = request.method === 'GET' || request.method === 'HEAD';
    const answering =
      !get ? Promise.resolve(notFound)
      : path === '/healthz' ? Promise.resolve(livenessAnswer())
      : path === '/readyz' ? readinessAnswer()
      : path === '/metrics' ? metricsAnswer(o.token, request.headers.authorization)
      : Promise.resolve(notFound);
    answering
      .then((answer) => {
        response.writeHead(answer.status, { 'content-type': answer.contentType, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : answer.body);
      })
      .catch((err: unknown) => {
        log.error({ reason: (err as Error).message, path }, 'probe failed');
        response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify({ error: 'internal', message: 'internal error' }));
      });
  });
  // A probe connection left open must not hold a stopping role.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.warn({ reason: err.message }, 'probe server error'));
  const port = (server.address() as AddressInfo).port;
  log.info({ host: o.host, port }, 'metrics and probes listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
