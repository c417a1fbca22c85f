/**
 * Which tenant a mail is for. Support addresses are configured lower-case (channels.email.addresses);
 * a recipient matches one case-insensitively, either exactly or with a `+token` sub-address, which is
 * how our outgoing mail asks replies to come back (`support+c<conversationId>@…`).
 */

export interface SupportRecipient {
  /** The configured support address it matched. */
  address: string;
  tenant: string;
  /** The sub-address, case kept (conversation ids are case-sensitive). */
  token?: string;
}

/** What a sub-address token may be: it ends up in a thread key, never a path or a header. */
const tokenPattern = /^[A-Za-z0-9._=-]{1,128}$/;

/** Support address (lower-case) -> tenant: the config's record, or a Map. */
export type SupportAddresses = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

/**
 * The tenant of an address. An own key only: a recipient `__proto__` or `constructor` must not find
 * what every object inherits (it once resolved the tenant to `Object`).
 */
function tenantOf(addresses: SupportAddresses, address: string): string | undefined {
  if (addresses instanceof Map) return addresses.get(address);
  const record = addresses as Readonly<Record<string, string>>;
  return Object.hasOwn(record, address) ? record[address] : undefined;
}

/** `Name <a@b>` or `<a@b>` or `a@b` -> `a@b` (addresses with quotes or comments are rare for recipients). */
function bareAddress(raw: string): string {
  const angle = /<([^<>]*)>/.exec(raw);
  return (angle ? angle[1]! : raw).trim();
}

export function matchSupportAddress(addresses: SupportAddresses, raw: string): SupportRecipient | null {
  const address = bareAddress(raw);
  const lower = address.toLowerCase();
  const exact = tenantOf(addresses, lower);
  if (exact !== undefined) return { address: lower, tenant: exact };
  const at = address.lastIndexOf('@');
  const plus = address.indexOf('+');
  if (at < 0 || plus < 0 || plus > at) return null;
  const base = `${lower.slice(0, plus)}${lower.slice(at)}`;
  const tenant = tenantOf(addresses, base);
  if (tenant === undefined) return null;
  const token = address.slice(plus + 1, at);
  return tokenPattern.test(token) ? { address: base, tenant, token } : { address: base, tenant };
}

/**
 * The support recipients of a message, one per tenant, in priority order. The envelope decides (the
 * SMTP RCPT TO, SendGrid's envelope, or the X-Original-To / Delivered-To an MTA recorded): header
 * To/Cc are only consulted when no envelope recipient is a support address, since a customer may
 * have been Bcc'd or the mail forwarded. A sub-address token is taken from any recipient of the same
 * tenant, envelope first.
 */
export function supportRecipients(
  addresses: SupportAddresses,
  envelope: readonly string[],
  headerRecipients: readonly string[],
): SupportRecipient[] {
  const match = (list: readonly string[]) => list.map((r) => matchSupportAddress(addresses, r)).filter((r): r is SupportRecipient => r !== null);
  const fromEnvelope = match(envelope);
  const fromHeaders = match(headerRecipients);
  const decisive = fromEnvelope.length > 0 ? fromEnvelope : fromHeaders;
  const byTenant = new Map<string, SupportRecipient>();
  for (const recipient of decisive) if (!byTenant.has(recipient.tenant)) byTenant.set(recipient.tenant, recipient);
  for (const [tenant, recipient] of byTenant) {
    if (recipient.token !== undefined) continue;
    const withToken = [...fromEnvelope, ...fromHeaders].find((r) => r.tenant === tenant && r.token !== undefined);
    if (withToken) byTenant.set(tenant, { ...recipient, token: withToken.token! });
  }
  return [...byTenant.values()];
}
