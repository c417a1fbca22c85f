/**
 * npm run chaos — our own fault-injection run. Starts the engine's roles as processes (api,
 * fold-bridge, two fold-workers, workflow, outbound) on a Kafka broker and names of their own, sends
 * signed Twilio SMS and WhatsApp webhooks and agent replies at a steady rate, SIGKILLs every role
 * once and restarts the broker meanwhile, then checks that every accepted message is on the topic
 * and in the projections exactly once, every reply reached its provider once, no workflow step
 * failed for good, the projections equal a rebuild, and every fault was recovered from in time.
 * Prints a table; exits 1 when an invariant fails. Parts in scripts/chaos/; `--help` for the knobs.
 */
import { parseChaosOptions } from './chaos/options.ts';
import { runChaos } from './chaos/run.ts';

runChaos(parseChaosOptions(process.argv)).then(
  (pass) => process.exit(pass ? 0 : 1),
  (err: unknown) => {
    console.error('[chaos] failed:', err);
    process.exit(1);
  },
);
