import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The deployment's master keys (config `privacy.masterKeys`, or `CS_MASTER_KEYS`): each tenant's
 * master key is derived from one of them (HKDF-SHA256, the tenant as info), and wraps that tenant's
 * data keys. Rotation: add a new id and make it `activeMasterKey`; new keys are wrapped with it,
 * the old ids stay to unwrap what they wrapped until `cs privacy rewrap` moved every key over.
 */
export class MasterKeys {
  private readonly secrets: ReadonlyMap<string, Buffer>;

  constructor(
    secrets: Readonly<Record<string, string>>,
    readonly activeId: string,
  ) {
    this.secrets = new Map(Object.entries(secrets).map(([id, base64]) => [id, Buffer.from(base64, 'base64')]));
    if (!this.secrets.has(activeId)) throw new Error(`privacy.activeMasterKey ${activeId} is not among privacy.masterKeys`);
  }

  /** Wraps a data key for a tenant with the active master key: `<masterId>:<iv>:<ciphertext+tag>`. */
  wrap(tenant: string, keyId: string, key: Buffer): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.tenantKey(this.activeId, tenant), iv);
    cipher.setAAD(Buffer.from(`${tenant}\0${keyId}`, 'utf8'));
    const body = Buffer.concat([cipher.update(key), cipher.final(), cipher.getAuthTag()]);
    return `${this.activeId}:${iv.toString('base64url')}:${body.toString('base64url')}`;
  }

  /** The data key a wrapped value holds; throws when its master key is unknown or the value was altered (a broken deployment, not an erasure). */
  unwrap(tenant: string, keyId: string, wrapped: string): Buffer {
    const [masterId, iv, body] = wrapped.split(':') as [string, string | undefined, string | undefined];
    if (!this.secrets.has(masterId) || iv === undefined || body === undefined) throw new Error(`data key ${keyId} of tenant ${tenant} is wrapped by master key ${JSON.stringify(masterId)}, which the configuration does not hold`);
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.tenantKey(masterId, tenant), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(`${tenant}\0${keyId}`, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]);
  }

  /** Whether a wrapped value is wrapped by the active master key already. */
  isCurrent(wrapped: string): boolean {
    return wrapped.startsWith(`${this.activeId}:`);
  }

  private tenantKey(masterId: string, tenant: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.secrets.get(masterId)!, 'cs-tenant-master-key', tenant, 32));
  }
}
