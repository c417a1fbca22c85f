/** `cs steps`: the workflow steps that failed for good, and running them again. */
import { Queue } from 'bullmq';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { redisConnection } from '../queues/connection.ts';
import { queuePrefix } from '../queues/names.ts';
import { deadSteps, retryDeadSteps, type DeadStep } from '../workflow/dead-steps.ts';
import type { WorkflowJobData } from '../workflow/trigger-queue.ts';

async function withWorkflowQueue<T>(use: (queue: Queue<WorkflowJobData>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const redis = redisConnection(config.redis.url, 'cs-steps');
  const name = config.fold.workflowQueue;
  const queue = new Queue<WorkflowJobData>(name, { connection: redis, prefix: queuePrefix(name) });
  try {
    return await use(queue);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

const COLUMNS: Array<{ title: string; of: (s: DeadStep) => string }> = [
  { title: 'id', of: (s) => s.id },
  { title: 'step', of: (s) => s.step },
  { title: 'tenant', of: (s) => s.tenant },
  { title: 'conversation', of: (s) => s.conversation || '-' },
  { title: 'failed at', of: (s) => s.failedAt ?? '-' },
  { title: 'attempts', of: (s) => String(s.attempts) },
  // Last: the one column of any length (its first line; --json has it whole).
  { title: 'reason', of: (s) => s.reason.split('\n')[0]! },
];

function table(steps: readonly DeadStep[]): string {
  const rows = [COLUMNS.map((c) => c.title), ...steps.map((s) => COLUMNS.map((c) => c.of(s)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function stepsCommands(program: Command): void {
  const steps = program.command('steps').description('workflow steps that failed for good: list them, run them again');
  steps
    .command('dead')
    .description('list the workflow steps that failed for good, newest first: id, step, tenant, conversation, when, attempts, reason (BullMQ failed set, kept a week)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--json', 'a JSON array instead of a table')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      const found = await withWorkflowQueue((queue) => deadSteps(queue, opts.tenant === undefined ? {} : { tenant: opts.tenant }));
      if (opts.json) process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
      else if (found.length > 0) process.stdout.write(`${table(found)}\n`);
      console.error(`cs steps dead: ${found.length} dead step${found.length === 1 ? '' : 's'}${opts.tenant ? ` of ${opts.tenant}` : ''}`);
    });
  steps
    .command('retry')
    .description('put dead steps back in the workflow queue; they run again from the start (attempts reset)')
    .argument('[ids...]', 'ids as cs steps dead lists them')
    .option('--all', 'every dead step (of --tenant, if given)')
    .option('--tenant <tenant>', 'with --all: only this tenant')
    .action(async (ids: string[], opts: { all?: boolean; tenant?: string }) => {
      if (opts.all === (ids.length > 0)) throw new Error('steps retry: give the ids of dead steps, or --all');
      if (opts.tenant !== undefined && !opts.all) throw new Error('steps retry: --tenant goes with --all');
      const which = opts.all ? { all: true as const, ...(opts.tenant === undefined ? {} : { tenant: opts.tenant }) } : { ids };
      const { retried, notDead } = await withWorkflowQueue((queue) => retryDeadSteps(queue, which));
      for (const id of retried) console.log(id);
      console.error(`cs steps retry: ${retried.length} step${retried.length === 1 ? '' : 's'} back in the queue`);
      if (notDead.length > 0) {
        console.error(`cs steps retry: not dead steps (unknown, or not failed), left alone: ${notDead.join(', ')}`);
        process.exitCode = 1;
      }
    });
}
