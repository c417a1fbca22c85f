/**
 * The chaos run's knobs: flags (commander) over environment variables over defaults. `--short` is
 * the size `npm test` runs (about 30 s of load, one kill per role, no broker restart, on the shared
 * broker); the default size takes three to five minutes on two cores.
 */
import { Command, InvalidArgumentError } from 'commander';

export interface ChaosOptions {
  /** Customer messages per second through the doors (SMS and WhatsApp, half each). */
  rate: number;
  /** Load duration, seconds. */
  durationS: number;
  /** Agent replies per customer message (0.2: one reply for five messages). */
  replyShare: number;
  /** Seeds the traffic (customers, texts, channels) and the order of the faults. */
  seed: number;
  short: boolean;
  /** Restarts of the run's own broker during the load (0 runs on the shared broker unless ownBroker). */
  brokerRestarts: number;
  /** Stop the broker with SIGKILL instead of a controlled shutdown. */
  brokerKill: boolean;
  /** Use a broker of the run's own even without a broker restart. */
  ownBroker: boolean;
  /** An orchestrator's pause between a role's death and its restart, ms. */
  pauseMs: number;
  /** How long the load generator retries one request (503, 5xx, no answer), like a provider, s. */
  retryBudgetS: number;
  /** How long to wait for quiescence after the load (lag 0, queues drained), s. */
  quiesceTimeoutS: number;
  /** Once all else is quiet, how long workflow steps waiting to retry are waited for, s. */
  stepsGraceS: number;
  /** A killed role must be recovered from within this long, s. */
  maxRecoveryS: number;
  /** A broker restart must be recovered from within this long, s (counted from the broker's stop). */
  maxBrokerRecoveryS: number;
  /** Door and API requests in flight at most (a provider's concurrency); the others wait their turn. */
  maxInFlight: number;
  /** The faults to inject (roles and `broker`); default all roles, and the broker when it restarts. */
  faults: string[] | null;
  /** Partitions of the run's event topic. */
  partitions: number;
  /** The fold workers' BullMQ lock and stall check (a killed worker's job runs again after about their sum). */
  foldLockMs: number;
  foldStalledMs: number;
  /** Role processes log at info instead of warn. */
  verbose: boolean;
}

const DEFAULTS = {
  rate: 20,
  durationS: 120,
  replyShare: 0.2,
  seed: 42,
  brokerRestarts: 1,
  pauseMs: 2000,
  retryBudgetS: 180,
  quiesceTimeoutS: 180,
  stepsGraceS: 60,
  maxRecoveryS: 15,
  maxBrokerRecoveryS: 60,
  partitions: 6,
  maxInFlight: 128,
  // The shipped config/default.yaml values.
  foldLockMs: 8_000,
  foldStalledMs: 4_000,
};

/** `--short`: the version `npm test` runs, under two minutes in all. */
const SHORT = {
  rate: 15,
  durationS: 30,
  brokerRestarts: 0,
  pauseMs: 1000,
  retryBudgetS: 45,
  quiesceTimeoutS: 30,
  stepsGraceS: 10,
};

function positive(name: string, integer = false) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) throw new InvalidArgumentError(`${name} must be a ${integer ? 'whole ' : ''}number ≥ 0, got ${raw}`);
    return value;
  };
}

const env = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
};

export function parseChaosOptions(argv: readonly string[]): ChaosOptions {
  const program = new Command()
    .name('npm run chaos --')
    .description(
      'Fault injection: runs the engine roles as processes on a broker and names of their own, sends signed Twilio and WhatsApp ' +
        'webhooks and agent replies, SIGKILLs every role and restarts the broker meanwhile, then checks nothing was lost or duplicated.',
    )
    .option('--rate <n>', `customer messages per second (env CHAOS_RATE; default ${DEFAULTS.rate}, --short ${SHORT.rate})`, positive('--rate'))
    .option('--duration <s>', `seconds of load (env CHAOS_DURATION; default ${DEFAULTS.durationS}, --short ${SHORT.durationS})`, positive('--duration'))
    .option('--reply-share <x>', `agent replies per customer message (env CHAOS_REPLY_SHARE; default ${DEFAULTS.replyShare})`, positive('--reply-share'))
    .option('--seed <n>', `seeds the traffic and the order of the faults (env CHAOS_SEED; default ${DEFAULTS.seed})`, positive('--seed', true))
    .option('--short', 'the short version npm test runs: ~30 s of load, one kill per role, no broker restart, the shared broker (env CHAOS_SHORT=1)')
    .option('--broker-restarts <n>', `restarts of the run's own broker during the load (env CHAOS_BROKER_RESTARTS; default ${DEFAULTS.brokerRestarts}, --short 0)`, positive('--broker-restarts', true))
    .option('--broker-kill', 'stop the broker with SIGKILL rather than a controlled shutdown (env CHAOS_BROKER_KILL=1)')
    .option('--own-broker', 'start a broker of its own even without a broker restart (env CHAOS_OWN_BROKER=1)')
    .option('--pause <ms>', `pause before a killed role is restarted (env CHAOS_PAUSE_MS; default ${DEFAULTS.pauseMs}, --short ${SHORT.pauseMs})`, positive('--pause', true))
    .option('--retry-budget <s>', `how long one request is retried (env CHAOS_RETRY_BUDGET; default ${DEFAULTS.retryBudgetS}, --short ${SHORT.retryBudgetS})`, positive('--retry-budget'))
    .option('--quiesce-timeout <s>', `wait this long for quiescence (env CHAOS_QUIESCE_TIMEOUT; default ${DEFAULTS.quiesceTimeoutS}, --short ${SHORT.quiesceTimeoutS})`, positive('--quiesce-timeout'))
    .option('--steps-grace <s>', `once all else is quiet, wait this long for workflow steps waiting to retry (default ${DEFAULTS.stepsGraceS}, --short ${SHORT.stepsGraceS})`, positive('--steps-grace'))
    .option('--max-recovery <s>', `a killed role must be recovered from within this long (env CHAOS_MAX_RECOVERY; default ${DEFAULTS.maxRecoveryS})`, positive('--max-recovery'))
    .option('--max-broker-recovery <s>', `a broker restart must be recovered from within this long (default ${DEFAULTS.maxBrokerRecoveryS})`, positive('--max-broker-recovery'))
    .option('--max-in-flight <n>', `requests in flight at most, like a provider's concurrency (default ${DEFAULTS.maxInFlight})`, positive('--max-in-flight', true))
    .option('--faults <list>', "comma-separated: api, fold-bridge, fold-worker-1, fold-worker-2, workflow, outbound, broker; 'none' for a run without faults (default: every role, and the broker when --broker-restarts > 0)")
    .option('--partitions <n>', `partitions of the run's topic (default ${DEFAULTS.partitions})`, positive('--partitions', true))
    .option('--verbose', 'role processes log at info (their logs are kept under .stack/chaos/logs/ when a check fails)')
    .allowExcessArguments(false);
  program.parse([...argv], { from: 'node' });
  const o = program.opts<{
    rate?: number;
    duration?: number;
    replyShare?: number;
    seed?: number;
    short?: boolean;
    brokerRestarts?: number;
    brokerKill?: boolean;
    ownBroker?: boolean;
    pause?: number;
    retryBudget?: number;
    quiesceTimeout?: number;
    stepsGrace?: number;
    maxRecovery?: number;
    maxBrokerRecovery?: number;
    partitions?: number;
    maxInFlight?: number;
    faults?: string;
    verbose?: boolean;
  }>();
  const fromEnv = (name: string, label: string, integer = false) => {
    const raw = env(name);
    return raw === undefined ? undefined : positive(`${name} (${label})`, integer)(raw);
  };
  const short = o.short ?? env('CHAOS_SHORT') === '1';
  const size = short ? { ...DEFAULTS, ...SHORT } : DEFAULTS;
  const options: ChaosOptions = {
    rate: o.rate ?? fromEnv('CHAOS_RATE', 'rate') ?? size.rate,
    durationS: o.duration ?? fromEnv('CHAOS_DURATION', 'duration') ?? size.durationS,
    replyShare: o.replyShare ?? fromEnv('CHAOS_REPLY_SHARE', 'reply share') ?? size.replyShare,
    seed: o.seed ?? fromEnv('CHAOS_SEED', 'seed', true) ?? size.seed,
    short,
    brokerRestarts: o.brokerRestarts ?? fromEnv('CHAOS_BROKER_RESTARTS', 'broker restarts', true) ?? size.brokerRestarts,
    brokerKill: o.brokerKill ?? env('CHAOS_BROKER_KILL') === '1',
    ownBroker: o.ownBroker ?? env('CHAOS_OWN_BROKER') === '1',
    pauseMs: o.pause ?? fromEnv('CHAOS_PAUSE_MS', 'pause', true) ?? size.pauseMs,
    retryBudgetS: o.retryBudget ?? fromEnv('CHAOS_RETRY_BUDGET', 'retry budget') ?? size.retryBudgetS,
    quiesceTimeoutS: o.quiesceTimeout ?? fromEnv('CHAOS_QUIESCE_TIMEOUT', 'quiescence timeout') ?? size.quiesceTimeoutS,
    stepsGraceS: o.stepsGrace ?? size.stepsGraceS,
    maxRecoveryS: o.maxRecovery ?? fromEnv('CHAOS_MAX_RECOVERY', 'max recovery') ?? size.maxRecoveryS,
    maxBrokerRecoveryS: o.maxBrokerRecovery ?? size.maxBrokerRecoveryS,
    partitions: o.partitions ?? size.partitions,
    maxInFlight: o.maxInFlight ?? size.maxInFlight,
    faults: o.faults === undefined ? null : o.faults === 'none' ? [] : o.faults.split(',').map((f) => f.trim()).filter(Boolean),
    foldLockMs: size.foldLockMs,
    foldStalledMs: size.foldStalledMs,
    verbose: o.verbose ?? false,
  };
  if (options.rate <= 0 || options.durationS <= 0) throw new InvalidArgumentError('--rate and --duration must be above 0');
  if (options.partitions < 1) throw new InvalidArgumentError('--partitions must be at least 1');
  if (options.maxInFlight < 1) throw new InvalidArgumentError('--max-in-flight must be at least 1');
  const known = ['api', 'fold-bridge', 'fold-worker-1', 'fold-worker-2', 'workflow', 'outbound', 'broker'];
  const unknown = (options.faults ?? []).filter((f) => !known.includes(f));
  if (unknown.length > 0) throw new InvalidArgumentError(`--faults: unknown ${unknown.join(', ')} (known: ${known.join(', ')}, or none)`);
  // A broker restart named in --faults needs the run's own broker.
  if (options.faults?.includes('broker') && options.brokerRestarts === 0) options.brokerRestarts = 1;
  if (options.faults && !options.faults.includes('broker')) options.brokerRestarts = 0;
  return options;
}

/** True when the run needs a broker of its own (a broker restart must not touch the shared one). */
export const needsOwnBroker = (o: ChaosOptions) => o.ownBroker || o.brokerRestarts > 0;
