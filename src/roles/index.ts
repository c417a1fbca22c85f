import { all } from './all.ts';
import { api } from './api.ts';
import { foldBridge } from './fold-bridge.ts';
import { foldWorker } from './fold-worker.ts';
import { outbound } from './outbound.ts';
import { provision } from './provision.ts';
import { withProbePort } from './probe-port.ts';
import type { Role } from './role.ts';
import { smtp } from './smtp.ts';
import { webhooks } from './webhooks.ts';
import { workflow } from './workflow.ts';

export type { Role, RoleContext, RunningRole } from './role.ts';

/**
 * Every container role by the name `node workers/main.js <role>` takes. The long-running roles
 * without HTTP of their own serve metrics and probes on the metrics port; the api on its own port.
 */
export const roles: ReadonlyMap<string, Role> = new Map([
  ['provision', provision],
  ['fold-bridge', withProbePort(foldBridge)],
  ['fold-worker', withProbePort(foldWorker)],
  ['api', api],
  ['smtp', withProbePort(smtp)],
  ['outbound', withProbePort(outbound)],
  ['webhooks', withProbePort(webhooks)],
  ['workflow', withProbePort(workflow)],
  ['all', withProbePort(all)],
]);
