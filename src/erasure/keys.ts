// ─── cs:erase ────────────────────────────────────────────────────────────────────────────────────
// Owned by the erasure (erasure/erase.ts): its plan while it runs, then its outcome.

export function erasureKeys(instance: string, tenant: string) {
  return {
    /** Hash: `plan` (JSON, key names only: blinded or sealed, never a handle) until done, then `outcome` (JSON). */
    erasure: (customer: string) => `cs:erase:{${instance}:${tenant}}:${customer}`,
  };
}
