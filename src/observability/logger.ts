import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Message text and customer handles are personal data: they are redacted wherever they appear in
 * a log line, at every level, so a log shipped to a third party never carries them.
 */
const personalDataPaths = [
  'text',
  'handle',
  'subject',
  'data.text',
  'data.handle',
  'data.subject',
  'event.data.text',
  'event.data.handle',
  'event.data.subject',
  '*.text',
  '*.handle',
];

/** JSON lines on stdout, or appended to the file `destination` names (the demo keeps its console for people). */
export function createLogger(options: { level: string; name?: string; destination?: string }): Logger {
  const settings = {
    name: options.name ?? 'cs',
    level: options.level,
    redact: { paths: personalDataPaths, censor: '[redacted]' },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(settings, pino.destination({ dest: options.destination, mkdir: true, sync: false })) : pino(settings);
}

/** The identifying fields of an event, for a log line's context (never its content). */
export function eventContext(event: {
  id: string;
  type: string;
  tenant: string;
  customer: string;
  conversation?: string | undefined;
}): Record<string, string> {
  const context: Record<string, string> = {
    eventId: event.id,
    eventType: event.type,
    tenant: event.tenant,
    customer: event.customer,
  };
  if (event.conversation) context.conversation = event.conversation;
  return context;
}
