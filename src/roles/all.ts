import { api } from './api.ts';
import { foldBridge } from './fold-bridge.ts';
import { foldWorker } from './fold-worker.ts';
import { outbound } from './outbound.ts';
import { openHeld, runsUntilStopped, type Role } from './role.ts';
import { smtp } from './smtp.ts';
import { webhooks } from './webhooks.ts';
import { workflow } from './workflow.ts';

/**
 * Every long-running role in one process, for development and the demo. Started fold first, so the
 * API stops taking requests first and the fold finishes what it holds last.
 */
export const all: Role = async (ctx) => {
  const running = await openHeld(async (hold) => {
    for (const role of [foldWorker, foldBridge, workflow, outbound, webhooks, api, smtp]) hold.hold(await role(ctx), (r) => r.stop());
    return {};
  });
  return { done: runsUntilStopped, stop: running.close };
};
