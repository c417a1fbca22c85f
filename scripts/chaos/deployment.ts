/**
 * The chaos run's deployment: the shipped config with the example tenant `northwind` as written
 * (config/tenants/northwind.yaml: triage, routing, the bot), every name of its own (instance,
 * topics, consumer groups, queues, namespace: all carry `chaos-<run>`), its broker, and the
 * provider stand-ins as Twilio's, Meta's and the customers' mail server.
 */
import { randomBytes } from 'node:crypto';
import { tenantRegistry } from '../../src/config/policies.ts';
import type { Config } from '../../src/config/schema.ts';
import type { TenantSettings } from '../../src/tenants/settings.ts';
import { freePort } from '../sim/free-port.ts';
import type { ChaosOptions } from './options.ts';

export const TENANT = 'northwind';
export const TWILIO_NUMBER = '+15005550006';
export const WHATSAPP_DISPLAY_NUMBER = '15550783881';

export interface ChaosDeployment {
  run: string;
  /** `chaos-<run>`: every Kafka and Redis name of the run contains it. */
  name: string;
  config: Config;
  settings: TenantSettings;
  /** The API (doors and agents' API); also the public URL Twilio signs. */
  url: string;
  apiKey: string;
  twilio: { accountSid: string; authToken: string; number: string };
  meta: { appSecret: string; phoneNumberId: string; wabaId: string };
  /** The namespace the rebuild check fills. */
  rebuildNamespace: string;
  /** Consumer groups of the run (the rebuild's included), to delete on a shared broker. */
  groups: string[];
}

export async function chaosDeployment(
  base: Config,
  run: string,
  o: ChaosOptions,
  io: { brokers: string[]; providers: { url: string; smtpPort: number } },
): Promise<ChaosDeployment> {
  const written = base.tenants.settings[TENANT];
  if (written === undefined) throw new Error(`config/tenants/${TENANT}.yaml is missing: the chaos run uses the shipped example tenant`);
  const name = `chaos-${run}`;
  const httpPort = await freePort();
  const url = `http://127.0.0.1:${httpPort}`;
  const apiKey = `chaos-key-${randomBytes(12).toString('hex')}`;
  const twilio = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex'), number: TWILIO_NUMBER };
  const meta = { appSecret: randomBytes(16).toString('hex'), phoneNumberId: `1065${randomBytes(5).readUIntBE(0, 5)}`, wabaId: '102290129340398' };
  const config: Config = {
    ...base,
    instance: name,
    log: { level: o.verbose ? 'info' : 'warn' },
    kafka: {
      ...base.kafka,
      clientId: name,
      brokers: io.brokers,
      partitions: o.partitions,
      replicationFactor: 1,
      topics: { events: `${name}.events`, deadLetter: `${name}.dlq`, rejectedInput: `${name}.rejected` },
    },
    fold: {
      ...base.fold,
      namespace: name,
      consumerGroup: `${name}-fold`,
      queue: `${name}-fold`,
      workflowQueue: `${name}-workflow`,
      lockDuration: o.foldLockMs,
      stalledInterval: o.foldStalledMs,
    },
    // The topic is new: reading it from the start loses nothing and re-sends nothing.
    outbound: { ...base.outbound, queue: `${name}-outbound`, consumerGroup: `${name}-outbound`, fromBeginning: true },
    webhooks: { ...base.webhooks, queue: `${name}-webhooks`, consumerGroup: `${name}-webhooks`, subscriptions: [] },
    http: { ...base.http, host: '127.0.0.1', port: httpPort, apiKeys: { [apiKey]: TENANT } },
    tenants: { ...base.tenants, settings: { [TENANT]: written } },
    channels: {
      ...base.channels,
      publicUrl: url,
      twilio: { apiBaseUrl: io.providers.url, accounts: { [twilio.accountSid]: { tenant: TENANT, authToken: twilio.authToken, from: twilio.number } } },
      meta: {
        ...base.channels.meta,
        graphBaseUrl: `${io.providers.url}/v19.0`,
        appSecret: meta.appSecret,
        verifyToken: randomBytes(8).toString('hex'),
        routes: { [meta.phoneNumberId]: { tenant: TENANT, accessToken: `EAAG${randomBytes(12).toString('hex')}` } },
      },
      email: {
        ...base.channels.email,
        // No smtp role runs; the port is only configuration.
        smtp: { ...base.channels.email.smtp, host: '127.0.0.1', port: await freePort() },
        addresses: { [`support@${TENANT}.test`]: TENANT },
        outbound: { host: '127.0.0.1', port: io.providers.smtpPort, secure: false, from: `Northwind Support <support@${TENANT}.test>` },
      },
      chat: { widgets: {} },
    },
  };
  const rebuildNamespace = `${name}-rebuild`;
  return {
    run,
    name,
    config,
    settings: tenantRegistry(config.tenants)(TENANT),
    url,
    apiKey,
    twilio,
    meta,
    rebuildNamespace,
    groups: [config.fold.consumerGroup, config.outbound.consumerGroup, config.webhooks.consumerGroup, `${config.fold.consumerGroup}@${rebuildNamespace}`],
  };
}
