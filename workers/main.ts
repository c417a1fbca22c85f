import { loadConfig } from '../src/config/load.ts';
import { createLogger } from '../src/observability/logger.ts';
import { roles } from '../src/roles/index.ts';

/**
 * The one entry point of the image: `main <role>`. Reads config, builds the role, runs it, and on
 * SIGTERM/SIGINT stops it gracefully; a fatal error is logged and exits 1.
 */
async function main(): Promise<void> {
  const roleName = process.argv[2] ?? 'all';
  const start = roles.get(roleName);
  if (!start) {
    console.error(`unknown role "${roleName}"; roles: ${[...roles.keys()].join(', ')}`);
    process.exit(2);
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, name: `cs-${roleName}` });
  const running = await start({ config, logger });
  logger.info({ role: roleName }, 'role started');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    try {
      await running.stop();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.fatal({ err }, 'unclean stop');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  await running.done;
}

main().catch((err: unknown) => {
  // Config errors carry their own readable message; anything else is a bug or broken infrastructure.
  const logger = createLogger({ level: 'info', name: 'cs' });
  logger.fatal({ err }, err instanceof Error ? err.message : String(err));
  process.exit(1);
});
