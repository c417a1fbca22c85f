import type { AnyEvent } from '../../events/index.ts';
import type { EventLog } from './event-log.ts';

/**
 * The log as the engine's writers use it when personal data is sealed: every append passes its
 * events through `seal` first (src/privacy), so no door, step or action can append a plaintext
 * address or message by forgetting to.
 */
export function sealingLog(log: EventLog, seal: (events: readonly AnyEvent[]) => Promise<AnyEvent[]>): EventLog {
  const sealed: EventLog = {
    append: async (events) => log.append(await seal(events)),
    close: () => log.close(),
  };
  return log.probe ? { ...sealed, probe: log.probe } : sealed;
}
