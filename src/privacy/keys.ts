// ─── cs:dk ───────────────────────────────────────────────────────────────────────────────────────
// Owned by the data key store (privacy/data-keys.ts): the tenant's wrapped keys. Nothing here is
// readable without a master key from the configuration.

/** Every tenant's keys hash of a deployment, for SCAN (the tenant between the ':' and the '}'). */
export const dataKeyHashes = (instance: string) => `cs:dk:{${instance}:*}:keys`;

export function dataKeyKeys(instance: string, tenant: string) {
  const base = `cs:dk:{${instance}:${tenant}}`;
  return {
    /** Hash: key id -> wrapped data key (master-keys.ts). A destroyed key is a deleted field. */
    keys: `${base}:keys`,
    /** String: the key id a customer's identity (their handles) is sealed with. */
    customer: (customer: string) => `${base}:customer:${customer}`,
    /**
     * Hash: period (the event's UTC month, `YYYY-MM`) -> the key id the customer's message texts of
     * that month are sealed with. Retention destroys a period's key once every conversation
     * touching it is past the tenant's retention; erasure destroys them all.
     */
    text: (customer: string) => `${base}:text:${customer}`,
    /** SCAN pattern: every customer's text key hash of the tenant. */
    textPattern: `${base.replace(/[*?[\]\\]/g, '\\$&')}:text:*`,
    /** Hash: key id -> when retention destroyed it (ISO): readers show "[expired]" there, not "[erased]". */
    retired: `${base}:retired`,
    /** String: the tenant's wrapped blinding key, which turns handles into index keys (blind.ts). */
    blind: `${base}:blind`,
  };
}
