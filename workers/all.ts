import { api } from './api.ts';
import { foldBridge, foldWorker } from './fold.ts';
import { outbound } from './outbound.ts';
import { smtp } from './smtp.ts';
import { webhooks } from './webhooks.ts';
import { workflow } from './workflow.ts';
import type { Role, RunningRole } from './roles.ts';

/** Every long-running role in one process, for development and the demo. */
export const all: Role = async (ctx) => {
  const started: RunningRole[] = [];
  try {
    for (const role of [foldWorker, foldBridge, workflow, outbound, webhooks, api, smtp]) started.push(await role(ctx));
  } catch (err) {
    for (const r of started.reverse()) await r.stop().catch(() => undefined);
    throw err;
  }
  return {
    done: new Promise<void>(() => undefined),
    // The API stops taking requests first; the fold finishes what it holds last.
    stop: async () => {
      for (const r of [...started].reverse()) await r.stop();
    },
  };
};
