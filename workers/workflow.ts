import { startWorkflowRole } from '../src/workflow/role.ts';
import type { Role } from './roles.ts';

const forever = new Promise<void>(() => undefined);

/** Workflow steps and timers: triage, routing, bot, SLA escalation, auto-resolve, surveys. Scale it out freely. */
export const workflow: Role = async ({ config, logger }) => {
  const running = await startWorkflowRole(config, logger);
  logger.info({ queue: config.fold.workflowQueue }, 'workflow running');
  return { done: forever, stop: () => running.close() };
};
