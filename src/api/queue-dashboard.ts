import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config/schema.ts';
import { sendError } from '../http/errors.ts';
import type { RouteAccess } from '../http/route-access.ts';
import { mediaQueueName, queuePrefix } from '../queues/names.ts';

export const QUEUE_DASHBOARD_PREFIX = '/admin/queues';

/** What the dashboard's routes declare: an admin (a person, or a key with the `admin` scope); the operator check is below. */
export const QUEUE_DASHBOARD_ACCESS: RouteAccess = 'settings:admin';

/** Every BullMQ queue of the deployment, by the names the roles give them (config; src/roles). */
export function deploymentQueues(config: Config): string[] {
  return [config.fold.queue, config.fold.workflowQueue, config.outbound.queue, mediaQueueName(config.outbound.queue), config.webhooks.queue];
}

/**
 * bull-board at /admin/queues: every queue of the deployment, its jobs, their data and failures,
 * with retry, promote, clean and pause. The jobs are every tenant's (events, messages, addresses),
 * so being a tenant's admin is not enough: the admin must be of an operator tenant
 * (`http.queueDashboard.operatorTenants`), else 403 `not_an_operator`.
 *
 * bull-board registers a few dozen routes of its own (its page, its files, its JSON API): one
 * onRoute hook gives them all the same declared access, so the auth hook covers every one and a
 * route bull-board adds in a later version is covered too. The queues are opened at the first
 * request an operator makes: an API process that never serves the dashboard holds no connection
 * for it.
 */
export async function queueDashboard(app: FastifyInstance, options: { config: Config; redis: Redis }): Promise<void> {
  const operators = new Set(options.config.http.queueDashboard.operatorTenants);
  const names = deploymentQueues(options.config);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PREFIX);
  const board = createBullBoard({ queues: [], serverAdapter, options: { uiConfig: { boardTitle: 'cs queues' } } });

  let opened: { connection: Redis; queues: Queue[] } | null = null;
  const open = () => {
    if (opened) return;
    // A connection of its own, as the roles' queues have: the API's stays free for its reads.
    const connection = options.redis.duplicate();
    const queues = names.map((name) => new Queue(name, { connection, prefix: queuePrefix(name) }));
    board.setQueues(queues.map((queue) => new BullMQAdapter(queue)));
    opened = { connection, queues };
  };

  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: QUEUE_DASHBOARD_ACCESS };
    });
    // After the auth hook (the parent's), which has answered everyone without the access.
    scope.addHook('onRequest', async (request, reply) => {
      const principal = request.principal;
      if (!principal || !operators.has(principal.tenant)) {
        return sendError(reply, 403, 'not_an_operator', "the queue dashboard shows every tenant's jobs: it is for the admins of the operator tenants (http.queueDashboard.operatorTenants)");
      }
      open();
      return undefined;
    });
    scope.addHook('onClose', async () => {
      if (!opened) return;
      await Promise.all(opened.queues.map((queue) => queue.close()));
      opened.connection.disconnect();
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PREFIX });
  });
}
