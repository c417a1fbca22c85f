import type { AnyEvent } from '../../events/index.ts';
import { withinDeadline } from '../../src/log/deadline.ts';
import { LogUnavailableError, type EventLog } from '../../src/log/event-log.ts';

/**
 * An event log opened on first use instead of at start-up, so the API can serve reads (and answer
 * 503 to writes, which senders retry) while Kafka is unreachable. A failed open is retried on the
 * next append; an open slower than `openTimeoutMs` is reported as unavailable but kept going, and
 * used once it succeeds.
 */
export function lazyEventLog(open: () => Promise<EventLog>, openTimeoutMs: number): EventLog {
  let opening: Promise<EventLog> | undefined;
  let opened: EventLog | undefined;
  let closed = false;

  const connect = (): Promise<EventLog> => {
    if (!opening) {
      const attempt = open();
      opening = attempt;
      attempt.then(
        (log) => {
          if (closed) void log.close().catch(() => undefined);
          else opened = log;
        },
        () => {
          if (opening === attempt) opening = undefined;
        },
      );
    }
    return opening;
  };

  return {
    async append(events: readonly AnyEvent[]): Promise<void> {
      if (closed) throw new LogUnavailableError('the event log is closed');
      if (events.length === 0) return;
      const log = await withinDeadline(connect(), openTimeoutMs, { timeout: 'Kafka did not accept a connection', failed: 'cannot connect to Kafka' });
      return log.append(events);
    },
    async close() {
      // An open still under way is closed when it lands (see connect), so no producer outlives the log.
      closed = true;
      opening = undefined;
      await opened?.close();
      opened = undefined;
    },
  };
}
