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
    /** String: the key id a customer's new events are sealed with. */
    customer: (customer: string) => `${base}:customer:${customer}`,
    /** String: the tenant's wrapped blinding key, which turns handles into index keys (blind.ts). */
    blind: `${base}:blind`,
  };
}
