import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { createEvent, type AnyEvent, type EventType } from '../../../events/index.ts';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import type { Conversation } from '../../../src/domain/state.ts';
import { startBridgeRole } from '../../../src/roles/fold-bridge.ts';
import { startFoldWorkerRole } from '../../../src/roles/fold-worker.ts';
import { ProjectionReader, type ReadScope } from '../../../src/projections/reader.ts';
import { tenantFileSchema } from '../../../src/tenants/settings.ts';
import { startChannelHarness } from '../../support/channel-harness.ts';
import { eventually } from '../../support/collect.ts';
import { testConfig } from '../../support/engine.ts';
import { testLogger } from '../../support/kafka.ts';
import { tearDown } from '../outbound/support.ts';

export const TENANT = 'acme';
export const API_KEY = 'key-acme-actions-0123456789';
/** Another workspace's key: it must never reach acme's conversations or agents. */
export const OTHER_KEY = 'key-globex-actions-0123456789';

/** acme's workspace: two teams, Anna in both, Boris in support only, Li in billing (no spec signs Li in). */
export const acmeSettings = tenantFileSchema.parse({
  routing: {
    teams: [{ name: 'support' }, { name: 'billing' }],
    agents: [
      { id: 'ag_anna', name: 'Anna Schmidt', teams: ['support', 'billing'], languages: ['en'], capacity: { chat: 2, email: 5 } },
      { id: 'ag_boris', name: 'Boris Ivanov', teams: ['support'], languages: ['en'], capacity: { chat: 3 } },
      { id: 'ag_li', name: 'Li Wei', teams: ['billing'], languages: ['zh', 'en'], capacity: { email: 10 } },
    ],
  },
});

export function actionsConfig(): Config {
  const base = testConfig();
  return {
    ...base,
    http: { ...base.http, apiKeys: { [API_KEY]: TENANT, [OTHER_KEY]: 'globex' } },
    tenants: { ...base.tenants, settings: { [TENANT]: acmeSettings } },
  };
}

// The actions stamp events with the server clock: customer messages must be as recent, or the
// fold's inactivity rule would resolve their conversation before the action lands.
const now = () => new Date().toISOString();

/**
 * The API with the agent actions and the live fold (bridge + worker) over real Kafka and Redis. No
 * workflow worker runs: the route and drain jobs the fold asks for wait in their queue, so nothing
 * but the specs assigns a conversation.
 */
export async function startActionsEngine(config: Config) {
  const harness = await startChannelHarness(config, [actionRoutes]);
  const bridge = await startBridgeRole(config, testLogger);
  const fold = startFoldWorkerRole(config, testLogger);
  const reader = new ProjectionReader(harness.ctx.redis, { instance: config.instance, fallback: config.fold.namespace });
  const scope = (): Promise<ReadScope> => reader.scope(TENANT);

  const engine = {
    harness,
    reader,
    scope,
    /** A customer's chat message, appended as an adapter would; resolves to the conversation it opens once folded. */
    async customerWrites(customer = `cus_${nanoid(8)}`, text = 'Where is my order?'): Promise<{ customer: string; conversationId: string }> {
      const event = createEvent({
        type: 'message.received',
        source: '/tests',
        tenant: TENANT,
        customer,
        time: now(),
        data: { channel: 'chat', provider: 'webchat', handle: `visitor-${customer}`, text },
      });
      await harness.ctx.eventLog.append([event]);
      const conversationId = `cv_${event.id}`;
      await engine.conversation(conversationId);
      return { customer, conversationId };
    },
    /** Triage's verdict, as the workflow step would publish it: puts the conversation in `team`. */
    async triaged(customer: string, conversationId: string, team: string): Promise<void> {
      await harness.ctx.eventLog.append([
        createEvent({
          type: 'conversation.triaged',
          source: '/tests',
          tenant: TENANT,
          customer,
          conversation: conversationId,
          time: now(),
          data: { category: 'general', priority: 'normal', language: 'en', team, reasons: [] },
        }),
      ]);
      await engine.conversation(conversationId, (c) => c.team === team);
    },
    /** The folded conversation once `ready` holds. */
    async conversation(id: string, ready: (c: Conversation) => boolean = () => true): Promise<Conversation> {
      let found: Conversation | null = null;
      await eventually(`conversation ${id}`, async () => {
        found = await reader.conversation(await scope(), id);
        return found !== null && ready(found);
      });
      return found!;
    },
    /**
     * Events on the log naming this conversation, in log order (one customer: one partition). The
     * customer message that opened it names none (the fold assigns the id), so it is not among them.
     */
    eventsOf(conversationId: string, type?: EventType): AnyEvent[] {
      return harness.events.filter((e) => e.conversation === conversationId && (type === undefined || e.type === type));
    },
    /** The event of this id, once the log has it. */
    async onLog(eventId: string): Promise<AnyEvent> {
      await eventually(`event ${eventId} on the log`, () => harness.events.some((e) => e.id === eventId));
      return harness.events.find((e) => e.id === eventId)!;
    },
    /**
     * Everything published for the conversation so far, once the log has it all: a note goes on the
     * same key (so the same partition, in order) and is awaited, so a refused action that had
     * published anyway would be on the log before it.
     */
    async settledEventsOf(conversationId: string): Promise<AnyEvent[]> {
      const marker = await engine.api('POST', `/v1/conversations/${conversationId}/notes`, { text: 'marker', authorId: 'ag_anna' });
      if (marker.status !== 202) throw new Error(`marker note refused: ${JSON.stringify(marker)}`);
      await engine.onLog((marker.body as { eventId: string }).eventId);
      return engine.eventsOf(conversationId).filter((e) => !(e.type === 'message.sent' && e.data.internal));
    },
    /** JSON request to the API with acme's key unless other headers are given. */
    async api(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }) {
      const response = await fetch(`${harness.url}${path}`, {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json().catch(() => null)) as unknown };
    },
    async close() {
      await bridge.close();
      await fold.close();
      await harness.close();
      await tearDown(config, [`harness-${config.instance}`], { topics: false });
      await dropReceipts(config);
    },
  };
  return engine;
}

export type ActionsEngine = Awaited<ReturnType<typeof startActionsEngine>>;

/** The action receipts (src/api/actions/idempotency.ts) of the test deployment. */
async function dropReceipts(config: Config): Promise<void> {
  const redis = new Redis(config.redis.url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `cs:act:{${config.instance}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export const asAgent = (id: string) => ({ kind: 'agent' as const, id });
