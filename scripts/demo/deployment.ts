/**
 * The demo's deployment: the shipped config with one tenant, `northwind` (config/tenants/northwind.yaml),
 * reachable through every door, every provider pointing at a local stand-in, and names of its own
 * (topics, queues, groups, namespace) so a run never touches another's data.
 */
import { freePort } from '../sim/free-port.ts';
import { randomBytes } from 'node:crypto';
import { tenantRegistry } from '../../src/config/policies.ts';
import type { Config } from '../../src/config/schema.ts';
import { tenantFileSchema, type TenantFileInput, type TenantSettings } from '../../src/tenants/settings.ts';

export const TENANT = 'northwind';

export const SUPPORT_ADDRESS = 'support@northwind.test';
export const TWILIO_NUMBER = '+15005550006';
export const WHATSAPP_DISPLAY_NUMBER = '15550783881';

/** Everything the simulated outside world needs to reach the deployment. */
export interface Deployment {
  config: Config;
  /** The tenant's settings as the engine reads them (teams, agents, knowledge base, bot). */
  settings: TenantSettings;
  run: string;
  /** Where the API listens; also the public URL Twilio signs and survey links point at. */
  url: string;
  smtpPort: number;
  apiKey: string;
  widgetKey: string;
  twilio: { accountSid: string; authToken: string; number: string };
  meta: { appSecret: string; phoneNumberId: string; wabaId: string };
}


/**
 * The demo compresses the tenant's clocks so a minute and a half shows what takes a day: SLA
 * targets run sixty times faster (a 15-minute chat target is 15 seconds), surveys go out seconds
 * after the resolution instead of an hour. Everything else is the shipped file as written.
 */
export function demoTenant(raw: unknown): TenantFileInput {
  const written = (raw ?? {}) as TenantFileInput;
  const parsed = tenantFileSchema.parse(written);
  const targets = parsed.sla.policy.targets;
  const faster = Object.fromEntries(
    Object.entries(targets).map(([metric, byChannel]) => [
      metric,
      Object.fromEntries(Object.entries(byChannel).map(([channel, byPriority]) => [channel, Object.fromEntries(Object.entries(byPriority).map(([p, ms]) => [p, ms === null ? null : Math.max(1000, Math.round(ms / 60))]))])),
    ]),
  );
  return {
    ...written,
    sla: { ...written.sla, policy: { ...written.sla?.policy, targets: faster } },
    survey: { ...written.survey, csat: { ...written.survey?.csat, delay: 3000, delayByChannel: { chat: 0, sms: 2000, social: 2000 } } },
  };
}

/** `providers`: where the stand-ins of Twilio and Meta (HTTP) and of the customers' mail servers (SMTP) listen. */
export async function demoDeployment(base: Config, run: string, providers: { url: string; smtpPort: number }): Promise<Deployment> {
  const written = base.tenants.settings[TENANT];
  if (written === undefined) throw new Error(`config/tenants/${TENANT}.yaml is missing: the demo runs on the shipped example tenant`);
  const httpPort = Number(process.env.DEMO_PORT ?? (await freePort()));
  let smtpPort = await freePort();
  while (smtpPort === httpPort) smtpPort = await freePort();
  const url = `http://127.0.0.1:${httpPort}`;
  const name = `demo-${run}`;
  const apiKey = `demo-key-${randomBytes(12).toString('hex')}`;
  const widgetKey = `wk_${TENANT}_${run}`;
  const twilio = { accountSid: `AC${randomBytes(16).toString('hex')}`, authToken: randomBytes(16).toString('hex'), number: TWILIO_NUMBER };
  const meta = { appSecret: randomBytes(16).toString('hex'), phoneNumberId: `1065${randomBytes(5).readUIntBE(0, 5)}`, wabaId: '102290129340398' };
  const config: Config = {
    ...base,
    instance: name,
    log: { level: (process.env.LOG_LEVEL as Config['log']['level'] | undefined) ?? 'info' },
    kafka: { ...base.kafka, clientId: name, partitions: 6, topics: { events: `${name}.events`, deadLetter: `${name}.dlq`, rejectedInput: `${name}.rejected` } },
    fold: { ...base.fold, namespace: name, consumerGroup: `${name}-fold`, queue: `${name}-fold`, workflowQueue: `${name}-workflow` },
    // The topic is new: reading it from the start loses nothing and re-sends nothing.
    outbound: { ...base.outbound, queue: `${name}-outbound`, consumerGroup: `${name}-outbound`, fromBeginning: true, backoff: 200 },
    webhooks: { ...base.webhooks, queue: `${name}-webhooks`, consumerGroup: `${name}-webhooks` },
    http: { ...base.http, host: '127.0.0.1', port: httpPort, apiKeys: { [apiKey]: TENANT } },
    tenants: { ...base.tenants, settings: { [TENANT]: demoTenant(written) } },
    // Personal data sealed as a production deployment should run: a master key of the run's own, unless the config has one.
    privacy: base.privacy.activeMasterKey !== undefined ? base.privacy : { ...base.privacy, masterKeys: { demo: randomBytes(32).toString('base64') }, activeMasterKey: 'demo' },
    channels: {
      ...base.channels,
      publicUrl: url,
      twilio: { apiBaseUrl: providers.url, accounts: { [twilio.accountSid]: { tenant: TENANT, authToken: twilio.authToken, from: twilio.number } } },
      meta: { ...base.channels.meta, graphBaseUrl: `${providers.url}/v19.0`, appSecret: meta.appSecret, verifyToken: randomBytes(8).toString('hex'), routes: { [meta.phoneNumberId]: { tenant: TENANT, accessToken: `EAAG${randomBytes(12).toString('hex')}` } } },
      email: {
        ...base.channels.email,
        smtp: { ...base.channels.email.smtp, host: '127.0.0.1', port: smtpPort },
        addresses: { [SUPPORT_ADDRESS]: TENANT },
        outbound: { host: '127.0.0.1', port: providers.smtpPort, secure: false, from: `Northwind Support <${SUPPORT_ADDRESS}>` },
      },
      chat: { widgets: { [widgetKey]: TENANT } },
    },
  };
  return { config, settings: tenantRegistry(config.tenants)(TENANT), run, url, smtpPort, apiKey, widgetKey, twilio, meta };
}
