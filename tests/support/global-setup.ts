import { stackDown, stackStatus, stackUp } from '../../scripts/stack/stack.ts';

/**
 * Integration specs need real Kafka and Redis. When they are not running, bring the local stack
 * up, and take down afterwards only what this run started (KEEP_STACK=1 leaves it up).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const alreadyUp = await stackStatus();
  if (alreadyUp) return async () => undefined;
  await stackUp();
  return async () => {
    if (process.env.KEEP_STACK !== '1') await stackDown();
  };
}
