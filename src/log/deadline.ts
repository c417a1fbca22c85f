/** Kafka did not acknowledge in time: the caller answers 503 so its sender retries. */
export class LogUnavailableError extends Error {
  override name = 'LogUnavailableError';
  /**
   * Set when the deadline passed while the work went on (kafkajs keeps retrying a send): settles,
   * either way, once the client stops trying. Until then the work may still land.
   */
  pending?: Promise<void>;
}


/**
 * Kafka work with a deadline: past it, or on any failure, the caller gets a LogUnavailableError
 * (answered 503, so the sender retries). The work itself is not cancelled: kafkajs goes on retrying,
 * and the error's `pending` tells when it stopped, so a door can keep a retry from appending the same
 * event meanwhile (channels/claims.ts); elsewhere a late success is a duplicate id the fold drops.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number, messages: { timeout: string; failed: string }): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const late = new LogUnavailableError(`${messages.timeout} within ${ms} ms`);
      late.pending = work.then(
        () => undefined,
        () => undefined,
      );
      reject(late);
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (err) {
    if (err instanceof LogUnavailableError) throw err;
    throw new LogUnavailableError(`${messages.failed}: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
