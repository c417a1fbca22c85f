import { Command } from 'commander';
import { ConfigError } from '../config/load.ts';
import { analystCommands } from './analysts.ts';
import { customerCommands } from './customers.ts';
import { privacyCommands } from './privacy.ts';
import { rebuildCommand } from './rebuild.ts';
import { retentionCommands } from './retention.ts';
import { stepsCommands } from './steps.ts';
import { userCommands } from './users.ts';

/** `cs`: the operators' and analysts' command. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('cs')
    .description('event-sourced omnichannel customer-service engine: operator and analyst commands')
    .showHelpAfterError();
  rebuildCommand(program);
  stepsCommands(program);
  userCommands(program);
  analystCommands(program);
  customerCommands(program);
  privacyCommands(program);
  retentionCommands(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `cs: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
