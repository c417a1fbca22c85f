/**
 * Keeping what a page shows current, pushed rather than polled: one EventSource on the change feed
 * (`GET /v1/stream`, server-sent events of what the live fold committed) asks every page on screen
 * to read its data again when something changed. A dropped connection is reopened by the browser
 * with the last id it saw (Last-Event-ID), and the feed sends what was missed, once; a `reload`
 * event (away too long) and the tab becoming visible again refresh everything.
 */
import { useCallback, useEffect, useRef } from 'react';

const signal = new EventTarget();
let source: EventSource | null = null;
let pending: number | undefined;

/** Ask every page on screen to read its data again (soon: a burst of changes is one refresh). */
export function requestRefresh(): void {
  window.clearTimeout(pending);
  pending = window.setTimeout(() => signal.dispatchEvent(new Event('refresh')), 100);
}

/** Opens the change feed once per signed-in page load. */
function openStream(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/v1/stream');
  source.addEventListener('change', requestRefresh);
  source.addEventListener('reload', requestRefresh);
  // Back after a drop: what was missed arrives as changes; refresh anyway for what the feed does not carry.
  source.addEventListener('ready', requestRefresh);
}

/** Closes the change feed (signing out). */
export function closeStream(): void {
  source?.close();
  source = null;
}

/** Calls `refresh` whenever the feed says something changed, and when the tab becomes visible again. */
export function useLiveRefresh(refresh: () => unknown): void {
  const latest = useRef(refresh);
  useEffect(() => {
    latest.current = refresh;
  }, [refresh]);

  useEffect(() => {
    openStream();
    const run = () => void latest.current();
    const onVisibility = () => {
      if (document.visibilityState === 'visible') run();
    };
    signal.addEventListener('refresh', run);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      signal.removeEventListener('refresh', run);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, []);
}

/**
 * One read at a time, none lost: a refresh asked for while a read is running runs once more when it
 * ends (the read in flight may have started before the change it was told about).
 */
export function useOneAtATime(read: () => Promise<void>): () => Promise<void> {
  const state = useRef({ running: false, again: false });
  const latest = useRef(read);
  useEffect(() => {
    latest.current = read;
  }, [read]);
  return useCallback(async () => {
    const s = state.current;
    if (s.running) {
      s.again = true;
      return;
    }
    s.running = true;
    try {
      do {
        s.again = false;
        await latest.current();
      } while (s.again);
    } finally {
      s.running = false;
    }
  }, []);
}
