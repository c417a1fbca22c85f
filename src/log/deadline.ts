/** Kafka did not acknowledge in time: the caller answers 503 so its sender retries. */
export class LogUnavailableError extends Error {
  override name = 'LogUnavailableError';
}


/**
 * Kafka work with a deadline: past it, or on any failure, the caller gets a LogUnavailableError
 * (answered 503, so the sender retries). The work itself is not cancelled: kafkajs goes on retrying,
 * and a late success is harmless because event ids make a re-send a duplicate that is dropped.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number, messages: { timeout: string; failed: string }): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LogUnavailableError(`${messages.timeout} within ${ms} ms`)), ms);
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
