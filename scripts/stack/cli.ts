import { stackDown, stackStatus, stackUp } from './stack.ts';

const command = process.argv[2];
const run: Record<string, () => Promise<unknown>> = {
  up: stackUp,
  down: stackDown,
  status: async () => {
    if (!(await stackStatus())) process.exitCode = 1;
  },
};

const action = command ? run[command] : undefined;
if (!action) {
  console.error('usage: stack up|down|status');
  process.exit(2);
}
action().catch((err: unknown) => {
  console.error(`[stack] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
