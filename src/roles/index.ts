import { all } from './all.ts';
import { api } from './api.ts';
import { foldBridge } from './fold-bridge.ts';
import { foldWorker } from './fold-worker.ts';
import { outbound } from './outbound.ts';
import { provision } from './provision.ts';
import type { Role } from './role.ts';
import { smtp } from './smtp.ts';
import { webhooks } from './webhooks.ts';
import { workflow } from './workflow.ts';

export type { Role, RoleContext, RunningRole } from './role.ts';

/** Every container role by the name `node workers/main.js <role>` takes. */
export const roles: ReadonlyMap<string, Role> = new Map([
  ['provision', provision],
  ['fold-bridge', foldBridge],
  ['fold-worker', foldWorker],
  ['api', api],
  ['smtp', smtp],
  ['outbound', outbound],
  ['webhooks', webhooks],
  ['workflow', workflow],
  ['all', all],
]);
