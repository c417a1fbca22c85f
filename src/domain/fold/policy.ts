/** The tenant settings the fold needs: they shape segmentation, so live and replay must share them. */
export interface FoldPolicy {
  /** An open conversation with no message from either side for this long is resolved (default 24 h). */
  autoResolveAfterMs: number;
}

/**
 * How many of a customer's latest event ids are remembered to drop duplicates. The adapters drop a
 * provider's retry at the door; this window is the backstop for a publisher that re-sends (say,
 * after a lost acknowledgement), which happens within moments, not after 64 further events.
 */
export const DEDUPE_WINDOW = 64;
/** Conversations kept inside the customer's fold state besides the open one: the latest few. */
export const HOT_CONVERSATIONS = 3;

export const defaultFoldPolicy: FoldPolicy = { autoResolveAfterMs: 24 * 60 * 60 * 1000 };

/** Per-tenant policy lookup; tenants without settings get the defaults. */
export type FoldPolicies = (tenant: string) => FoldPolicy;
