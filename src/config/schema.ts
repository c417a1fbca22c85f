import { z } from 'zod';
import { durationSchema } from '../domain/duration.ts';
import { tenantFileSchema } from '../tenants/settings.ts';
import { webhooksConfigSchema } from './webhooks.ts';

const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, ".", "_" or "-", at most 249');

const brokerAddress = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'host:port');


const tenantSettingsSchema = z.object({
  /** An open conversation nobody wrote in for this long is resolved (the fold's segmentation rule). */
  autoResolveAfter: durationSchema.optional(),
});

const url = z.url({ error: 'an absolute URL' });

/** Channel adapters: how providers reach us, how we reach them, and which tenant each belongs to. */
const channelsSchema = z.object({
  /** The base URL providers call (behind proxies it differs from ours): Twilio signs it. */
  publicUrl: url,
  /** Country for phone numbers written without a country code (ISO 3166 alpha-2). */
  defaultCountry: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 country code such as US'),
  attachments: z.object({
    /** Where attachment content is stored aside (events carry metadata and a storage key). */
    dir: z.string().min(1),
    maxBytes: z.number().int().positive(),
  }),
  twilio: z.object({
    apiBaseUrl: url,
    /** Twilio AccountSid -> the tenant it serves, its auth token (signatures, REST) and sending number. */
    accounts: z
      .record(z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio AccountSid (AC + 32 hex)'), z.object({ tenant: z.string().min(1), authToken: z.string().min(1), from: z.string().min(1) }))
      .default({}),
  }),
  meta: z.object({
    graphBaseUrl: url,
    /** App secret: X-Hub-Signature-256 is an HMAC-SHA256 of the raw body with it. */
    appSecret: z.string().default(''),
    /** hub.verify_token expected on the subscription handshake. */
    verifyToken: z.string().default(''),
    /** WhatsApp phone_number_id, Messenger page id or Instagram account id -> tenant and access token. */
    routes: z.record(z.string().min(1), z.object({ tenant: z.string().min(1), accessToken: z.string().default('') })).default({}),
  }),
  email: z.object({
    smtp: z.object({ host: z.string().min(1), port: z.number().int().min(0).max(65535), maxMessageBytes: z.number().int().positive() }),
    /**
     * Password the e-mail webhook requires as HTTP basic auth (any user name): SendGrid and most
     * relays post to `https://user:password@host/webhooks/email`. Empty: the webhook is closed (403).
     */
    webhookPassword: z.string().default(''),
    /** Support addresses (lower-case) -> tenant; mail to other addresses is refused at RCPT TO. */
    addresses: z.record(z.string().min(3), z.string().min(1)).default({}),
    outbound: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535), secure: z.boolean(), from: z.string().min(3) }),
  }),
  chat: z.object({
    /** Widget key (public, embedded in the site) -> tenant. */
    widgets: z.record(z.string().min(8), z.string().min(1)).default({}),
  }),
});

/**
 * Consumer-group timing. A member that stops heart-beating (a SIGKILLed process, a host gone) holds
 * its partitions until its session expires, and a broker restart starts that clock again: the
 * session is the floor of the recovery time after a crash, so it is short (the broker's minimum is
 * 6 s). What waits on the group must end at the coordinator before it ends at the client: kafkajs
 * gives a JoinGroup `rebalanceTimeout` + 5 s, while the coordinator answers it once every known
 * member rejoined or `rebalanceTimeout` passed; a follower's SyncGroup waits for the leader's
 * assignment, gone or not, until the leader's session expires, and kafkajs gives it 30 s (its request
 * timeout). With sessions under that, a wait on a vanished member is always answered, so a consumer
 * never times out, restarts as a new member and leaves one more vanished member behind (with 60 s
 * sessions that kept groups rebalancing for minutes). docs/DESIGN.md, "Failover".
 */
export const DEFAULT_CONSUMER_GROUP = { sessionTimeout: 10_000, heartbeatInterval: 2_000, rebalanceTimeout: 30_000 } as const;

const consumerGroupSchema = z
  .object({
    /**
     * A member not heard from for this long is dropped and its partitions go to the others (or to
     * its replacement): after a crash, its partitions stand still this long at most, plus a rebalance.
     */
    sessionTimeout: durationSchema
      .pipe(z.number().min(6_000, 'at least 6s (the broker refuses shorter sessions)').max(25_000, "at most 25s (under kafkajs's 30 s request timeout)"))
      .default(DEFAULT_CONSUMER_GROUP.sessionTimeout),
    /**
     * How often a member heart-beats (while it fetches, and while the fold bridge waits for a fold
     * job): several beats fit in a session, so a late beat or two does not cost the partitions.
     */
    heartbeatInterval: durationSchema.default(DEFAULT_CONSUMER_GROUP.heartbeatInterval),
    /**
     * How long the coordinator waits for live members to rejoin a rebalance. A member rejoins once
     * the batches in its hands are taken on: for the fold bridge, once its lane has room (one fold
     * job, seconds under load); for outbound, once the batch's status events are appended (bounded
     * by publishTimeoutMs) and its jobs queued. A member slower than this is dropped and rejoins
     * afterwards, rather than holding the others longer.
     */
    rebalanceTimeout: durationSchema.default(DEFAULT_CONSUMER_GROUP.rebalanceTimeout),
  })
  .refine((c) => c.heartbeatInterval * 3 <= c.sessionTimeout, { message: 'at most a third of sessionTimeout', path: ['heartbeatInterval'] })
  .prefault({});

/** How many customers a fold worker keeps in memory by default (docs/DESIGN.md, the fold worker's memory). */
export const DEFAULT_CACHE_CUSTOMERS = 20_000;

/**
 * Requests a minute allowed by default, each counted in Redis so every api process shares one
 * count. Generous: they stop a runaway client or a retry storm, not a busy tenant. Providers burst
 * (a campaign's replies arrive at once, from a few of their addresses), so the webhooks' is the
 * highest; visitors behind one NAT share the chat door's.
 */
export const DEFAULT_RATE_LIMITS = { apiKey: 3_000, person: 1_200, webhookAddress: 30_000, chatAddress: 1_200 } as const;

/** One limit: at most `max` requests in each `window` (a fixed window: the count starts again when it ends). */
const rateLimitSchema = (max: number) =>
  z
    .object({
      /** Requests allowed in a window; 0 turns the limit off. */
      max: z.number().int().min(0).max(1_000_000_000).default(max),
      window: durationSchema.pipe(z.number().min(1_000, 'at least 1s')).default(60_000),
    })
    .prefault({});

/** The shipped session secret: fine on a laptop, replaced in production (the api role warns). */
export const DEFAULT_SESSION_SECRET = 'change-this-session-secret-to-32-or-more-chars';

export const configSchema = z.object({
  /** Name of this engine deployment: its control keys in Redis live under it. */
  instance: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-"'),
  kafka: z.object({
    clientId: z.string().min(1),
    brokers: z.array(brokerAddress).min(1, 'at least one broker'),
    topics: z.object({
      events: topicName,
      deadLetter: topicName,
      rejectedInput: topicName,
    }),
    partitions: z.number().int().min(1).max(10_000),
    replicationFactor: z.number().int().min(1).max(32),
    /**
     * How long the rejected-input topic keeps refused provider bodies (as they came: handles and
     * text in plaintext, for diagnosis). The events topic keeps everything (personal data sealed);
     * this one must not, or an erased customer's words would outlive the erasure there.
     */
    rejectedRetentionMs: z.number().int().min(60_000).default(7 * 24 * 3_600_000),
    publishTimeoutMs: z.number().int().min(100),
    /**
     * The largest record (key, value and headers) the engine writes: keep it under the broker's
     * `message.max.bytes` (default 1,048,588). An event or a message that cannot fit is refused
     * at the door (413), never sent to be refused by the broker.
     */
    maxRecordBytes: z.number().int().min(64 * 1024).max(100 * 1024 * 1024).default(1_000_000),
    /** How the engine's consumer groups (fold bridge, outbound, webhooks, rebuild) keep and hand over their partitions. */
    consumer: consumerGroupSchema,
  }),
  redis: z.object({
    url: z.url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' }),
  }),
  fold: z.object({
    /** Projection namespace the live fold writes (a rebuild writes a new one and switches reads). */
    namespace: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-"'),
    consumerGroup: z.string().min(1),
    queue: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    workflowQueue: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    concurrency: z.number().int().min(1).max(256),
    maxJobEvents: z.number().int().min(1).max(10_000),
    lanes: z.number().int().min(1).max(64).default(8),
    /** Customers whose committed fold state a worker keeps in memory (0: read every batch from Redis). */
    cacheCustomers: z.number().int().min(0).max(10_000_000).default(DEFAULT_CACHE_CUSTOMERS),
    lockDuration: durationSchema,
    stalledInterval: durationSchema,
  }),
  tenants: z.object({
    defaults: tenantSettingsSchema.extend({ autoResolveAfter: durationSchema }),
    overrides: z.record(z.string(), tenantSettingsSchema).default({}),
    /**
     * Workflow settings per tenant (teams, agents, triage rules, SLA, calendars, surveys, bot and
     * knowledge base), read from `<config dir>/tenants/<tenant>.yaml`; see src/tenants/settings.ts.
     */
    settings: z
      .record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a tenant id'), z.unknown())
      .default({})
      // Validated here (a bad file stops start-up, naming file and key) but kept as written: the
      // config stays plain data that can be written out and read again (roles started as processes).
      .superRefine((settings, ctx) => {
        for (const [tenant, raw] of Object.entries(settings)) {
          const parsed = tenantFileSchema.safeParse(raw ?? {});
          if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [tenant, ...issue.path], message: issue.message });
        }
      }),
  }),
  channels: channelsSchema,
  /** Outbound delivery of replies to the providers. */
  outbound: z.object({
    /** BullMQ queue of delivery jobs. */
    queue: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    /** Kafka consumer group reading message.sent off the event topic. */
    consumerGroup: z.string().min(1),
    /** Delivery attempts per message, the first included. */
    attempts: z.number().int().min(1).max(100),
    /** First retry delay; each next one doubles. */
    backoff: durationSchema,
    concurrency: z.number().int().min(1).max(256),
    /** A provider call slower than this counts as failed (and is retried). */
    providerTimeout: durationSchema,
    /** Where a new consumer group starts: false in production (a fresh group must not re-send history). */
    fromBeginning: z.boolean(),
  }),
  /** Outbound webhooks: chosen event types POSTed, signed, to subscribers (src/webhooks). */
  webhooks: webhooksConfigSchema,
  http: z.object({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    /**
     * API key -> tenant: full-access keys of the tenant (every scope), for set-ups from before keys
     * had scopes. Keys made with `POST /v1/api-keys` or `cs keys add` carry scopes and can be revoked.
     */
    apiKeys: z.record(z.string().min(16, 'API keys are at least 16 characters'), z.string().min(1)).default({}),
    /** Trust X-Forwarded-For/-Proto from the proxy in front (the client's address for throttling, HTTPS for cookies). */
    trustProxy: z.boolean().default(false),
    /**
     * Requests beyond these are answered 429 with Retry-After before anything else is done (README,
     * Limits): per API key and per signed-in person on everything they call; per source address
     * on the providers' webhooks (/webhooks/*) and on the chat door (/v1/chat/*). Behind a proxy
     * the address is the proxy's unless trustProxy is set.
     */
    rateLimits: z
      .object({
        apiKey: rateLimitSchema(DEFAULT_RATE_LIMITS.apiKey),
        /** All of one person's sessions together. */
        person: rateLimitSchema(DEFAULT_RATE_LIMITS.person),
        /** Every provider's webhooks together, per address. */
        webhookAddress: rateLimitSchema(DEFAULT_RATE_LIMITS.webhookAddress),
        chatAddress: rateLimitSchema(DEFAULT_RATE_LIMITS.chatAddress),
      })
      .prefault({}),
    /** People's browser sessions (see README, "People, roles and keys"). */
    sessions: z
      .object({
        /** Signs the session cookie. Set your own in production (32 characters or more). */
        secret: z.string().min(32, 'at least 32 characters').default(DEFAULT_SESSION_SECRET),
        /** A session not used this long ends. */
        idle: durationSchema.default(2 * 3600_000),
        /** A session ends this long after sign-in, used or not. */
        absolute: durationSchema.default(12 * 3600_000),
        /**
         * The cookie's Secure attribute. `auto`: set whenever the request came over HTTPS (behind a
         * TLS-terminating proxy, set http.trustProxy so its X-Forwarded-Proto counts), left off
         * over plain HTTP (local development: the cookie could not be sent back otherwise).
         * `true` refuses to start a session over plain HTTP at all.
         */
        secureCookie: z.union([z.boolean(), z.literal('auto')]).default('auto'),
        /** Failed sign-ins of one account before its sign-in answers 429 until `failureWindow` has passed. */
        maxFailures: z.number().int().min(1).max(1000).default(5),
        /** Sign-in attempts from one address (a whole office behind one NAT included) per `failureWindow`. */
        maxAttemptsPerAddress: z.number().int().min(1).max(100_000).default(100),
        failureWindow: durationSchema.default(15 * 60_000),
      })
      .prefault({}),
    /** Signs the score links in e-mail surveys (HMAC-SHA256). Set your own in production. */
    linkSecret: z.string().min(16, 'at least 16 characters').default('change-this-link-secret'),
    /**
     * A request's body must have arrived this long after the request began, else it is answered
     * 408 (a client trickling bytes or sending less than its Content-Length holds no handler).
     */
    bodyTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /**
     * The job-queue dashboard (`/admin/queues`) shows and retries every tenant's jobs, their events
     * and messages included: it is the deployment's, not a tenant's. Its admins are the admins (and
     * `admin`-scoped keys) of these tenants; none listed, nobody's.
     */
    queueDashboard: z
      .object({ operatorTenants: z.array(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a tenant id')).default([]) })
      .prefault({}),
  }),
  /** The workflow role: triage, routing, bot, SLA timers, auto-resolve, surveys. */
  workflow: z
    .object({
      /** Steps one workflow process runs at once. */
      concurrency: z.number().int().min(1).max(256).default(16),
      /**
       * A step whose process stops renewing its lock for this long is presumed dead and runs again
       * (steps are safe to re-run: their events derive their ids from the job's). The lock is
       * renewed every half of it while the step runs, so a slow step keeps it; a killed process's
       * steps wait at most this plus one `stalledInterval`.
       */
      lockDuration: durationSchema.default(8_000),
      stalledInterval: durationSchema.default(4_000),
    })
    .prefault({}),
  /**
   * Personal data sealed with per-customer keys (docs/DESIGN.md, Personal data and erasure). The
   * master keys (32 random bytes each, base64) wrap the customers' data keys in Redis; new keys are
   * wrapped with `activeMasterKey`, older ids stay listed until `cs privacy rewrap` moved every key.
   * No active key: nothing is sealed (personal data in plaintext on the log, no erasure).
   */
  privacy: z
    .object({
      masterKeys: z
        .record(
          z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'a master key id is 1-32 letters, digits, "_" or "-"'),
          z.string().refine((b) => Buffer.from(b, 'base64').length === 32, 'a master key is 32 random bytes in base64 (openssl rand -base64 32)'),
        )
        .default({}),
      activeMasterKey: z.string().optional(),
      /** How long a process trusts a data key it read: an erasure reaches every reader within this. */
      keyCacheMs: z.number().int().min(0).max(300_000).default(30_000),
      /** How often the workflow role sweeps expired message text (tenants with `retention.text` in their file). */
      retentionSweepMs: z.number().int().min(1000).default(3_600_000),
      /** A text key younger than this is left for the next sweep: the fold may not have folded what it sealed yet. */
      retentionGraceMs: z.number().int().min(0).default(600_000),
    })
    .prefault({})
    .refine((p) => p.activeMasterKey === undefined || Object.hasOwn(p.masterKeys, p.activeMasterKey), {
      path: ['activeMasterKey'],
      message: 'must be one of privacy.masterKeys',
    }),
  log: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
  /**
   * Prometheus metrics and the liveness and readiness probes (README, Operations: metrics and
   * health). The api serves `/metrics`, `/healthz` and `/readyz` on its own port; every other
   * long-running role (and `all`, once for the process) on this one.
   */
  metrics: z
    .object({
      /** The metrics and health port of the roles without HTTP; 0 serves none. */
      port: z.number().int().min(0).max(65535).default(9464),
      host: z.string().min(1).default('0.0.0.0'),
      /**
       * When set, `/metrics` (on both ports) answers only `Authorization: Bearer <token>`. Empty: open,
       * for a scrape from inside the cluster; set it when the api's port is reachable from outside.
       */
      token: z.union([z.literal(''), z.string().min(16, 'at least 16 characters (or empty: no token)')]).default(''),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
