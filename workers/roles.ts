import type { Config } from '../src/config/schema.ts';
import type { Logger } from '../src/observability/logger.ts';
import { all } from './all.ts';
import { api } from './api.ts';
import { foldBridge, foldWorker } from './fold.ts';
import { outbound } from './outbound.ts';
import { provision } from './provision.ts';
import { smtp } from './smtp.ts';
import { webhooks } from './webhooks.ts';
import { workflow } from './workflow.ts';

export interface RoleContext {
  config: Config;
  logger: Logger;
}

export interface RunningRole {
  /** Resolves when the role ends by itself (one-shot roles); long-running roles never resolve it. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export type Role = (ctx: RoleContext) => Promise<RunningRole>;

export const roles: Record<string, Role> = {
  provision,
  'fold-bridge': foldBridge,
  'fold-worker': foldWorker,
  api,
  smtp,
  outbound,
  webhooks,
  workflow,
  all,
};
