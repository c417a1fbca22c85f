import { startProbeServer, type ProbeServer } from '../observability/probe-server.ts';
import { readiness } from '../observability/readiness.ts';
import type { Role, RunningRole } from './role.ts';

/**
 * A role without an HTTP server of its own, given the metrics and health port (config `metrics`;
 * `all` gets one for the whole process). The port opens before the role starts: liveness answers
 * while the start waits on Kafka or Redis, and readiness fails with `started` until the role runs,
 * and again from the moment it is told to stop.
 *
 * A port already taken is logged, not fatal: the role still works (several roles started on one
 * machine with the shipped config all want 9464), and a deployment that probes the port finds out
 * at once from probes that get no answer.
 */
export function withProbePort(role: Role): Role {
  return async (ctx) => {
    const { port, host, token } = ctx.config.metrics;
    if (port === 0) return role(ctx);
    let serving = false;
    const removeCheck = readiness.add('started', () => {
      if (!serving) throw new Error('starting or stopping');
    });
    const server: ProbeServer | null = await startProbeServer({ host, port, token, logger: ctx.logger }).catch((err: unknown) => {
      ctx.logger.error({ host, port, reason: (err as Error).message }, 'the metrics and health port cannot be opened: this process serves no metrics or probes (set metrics.port / METRICS_PORT; 0 turns it off)');
      return null;
    });
    const release = async () => {
      removeCheck();
      await server?.close();
    };
    let running: RunningRole;
    try {
      running = await role(ctx);
    } catch (err) {
      await release();
      throw err;
    }
    serving = true;
    return {
      done: running.done,
      stop: async () => {
        serving = false;
        try {
          await running.stop();
        } finally {
          await release();
        }
      },
    };
  };
}
