/**
 * Appends that arrive while a send is in flight go out together in the next one. The idempotent
 * producer keeps one produce request in flight (its sequence numbers need it), so a send per
 * append makes every concurrent append wait its turn: the door's throughput was one round trip
 * per webhook (about 250/s here), whatever the load. Coalesced, the next send carries everything
 * that waited, in arrival order (a key's records keep their order), up to `maxBytes` a send.
 *
 * A failed send fails every append it carried: each caller answers 503 and its client retries,
 * as when it was sent alone. Nothing here knows Kafka: `send` is given the records.
 */
export interface CoalescedSend<R> {
  records: R[];
  bytes: number;
  settle: (err?: unknown) => void;
}

export function coalescing<R>(send: (records: R[]) => Promise<unknown>, maxBytes: number): (records: R[], bytes: number) => Promise<void> {
  const waiting: Array<CoalescedSend<R>> = [];
  let sending = false;

  const next = (): Array<CoalescedSend<R>> => {
    const taken: Array<CoalescedSend<R>> = [];
    let bytes = 0;
    // At least one append a send, however large (its own size was checked against the record limit).
    while (waiting.length > 0 && (taken.length === 0 || bytes + waiting[0]!.bytes <= maxBytes)) {
      const append = waiting.shift()!;
      bytes += append.bytes;
      taken.push(append);
    }
    return taken;
  };

  const pump = async () => {
    if (sending) return;
    sending = true;
    try {
      while (waiting.length > 0) {
        const taken = next();
        try {
          await send(taken.flatMap((a) => a.records));
          for (const a of taken) a.settle();
        } catch (err) {
          for (const a of taken) a.settle(err);
        }
      }
    } finally {
      sending = false;
    }
  };

  return (records, bytes) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ records, bytes, settle: (err) => (err === undefined ? resolve() : reject(err)) });
      void pump();
    });
}
