import type { EventEnvelope, AnyEvent } from '../../../events/index.ts';
import { actionRoutes } from '../../../src/api/actions/routes.ts';
import { chatRoutes } from '../../../src/channels/chat/routes.ts';
import type { Config } from '../../../src/config/schema.ts';
import { routingKeys } from '../../../src/projections/keys.ts';
import type { TenantFileInput } from '../../../src/tenants/settings.ts';
import { startWorkflowRole } from '../../../src/roles/workflow.ts';
import { API_KEY, outboundConfig, startEngine, TENANT, WIDGET_KEY } from '../outbound/support.ts';
import { testLogger } from '../../support/kafka.ts';

export { TENANT };

/** Two teams on a short ladder, three agents, the bot off unless a spec turns it on. */
export const baseTenant: TenantFileInput = {
  routing: {
    teams: [
      { name: 'support', strategy: 'least-busy', escalateTo: 'tier2' },
      { name: 'tier2', strategy: 'least-busy', escalateTo: null },
    ],
    agents: [
      { id: 'ann', name: 'Ann', teams: ['support'], languages: ['en'], capacity: { chat: 1, email: 5 } },
      { id: 'bob', name: 'Bob', teams: ['support'], languages: ['en'], capacity: { chat: 1, email: 5 } },
      { id: 'tia', name: 'Tia', teams: ['tier2'], languages: ['en'], capacity: { chat: 2, email: 5 } },
    ],
  },
  triage: {
    categories: [{ name: 'general', team: 'support', keywords: {} }],
    legalThreat: { priority: 'urgent', keywords: { en: ['lawyer'] } },
    cancellation: { priority: 'high', keywords: { en: ['cancel my account'] } },
    repeatedContact: null,
  },
  sla: { escalation: [{ tier: 'tier1', team: null }, { tier: 'tier2', team: 'tier2', notifySupervisor: true }] },
  bot: { enabled: false },
};

/** The engine (API with chat and agent actions, fold, outbound) plus the workflow role, for one tenant's settings. */
export async function startWorkflowEngine(tenant: TenantFileInput, overrides: (c: Config) => Config = (c) => c, roleOptions: Parameters<typeof startWorkflowRole>[2] = {}) {
  const base = outboundConfig({ providerUrl: 'http://127.0.0.1:9', smtpPort: 9 });
  const config = overrides({ ...base, tenants: { ...base.tenants, settings: { [TENANT]: tenant } } });
  const engine = await startEngine(config, [chatRoutes, actionRoutes]);
  const workflow = await startWorkflowRole(config, testLogger, roleOptions);
  let sent = 0;
  return {
    config,
    engine,
    workflow,
    ofType: <T extends AnyEvent['type']>(type: T) => engine.harness.events.filter((e): e is EventEnvelope<T> => e.type === type),
    /** A chat visitor writes; returns the conversation id a first message opens. */
    async chat(visitor: string, text: string): Promise<string> {
      const response = await fetch(`${engine.harness.url}/v1/chat/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ widgetKey: WIDGET_KEY, visitorToken: visitor, text, clientMessageId: `m${++sent}` }),
      });
      if (response.status !== 202) throw new Error(`chat answered ${response.status}`);
      return `cv_${((await response.json()) as { eventId: string }).eventId}`;
    },
    async presence(agent: string, status: 'online' | 'away' | 'offline', capacity?: Record<string, number | null>) {
      const r = await engine.api('PUT', `/v1/agents/${agent}/status`, { status, ...(capacity ? { capacity } : {}) }, { authorization: `Bearer ${API_KEY}` });
      if (r.status !== 202) throw new Error(`presence answered ${r.status}: ${JSON.stringify(r.body)}`);
    },
    async close() {
      await workflow.close();
      const redis = engine.harness.ctx.redis;
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', routingKeys(config.instance, TENANT).pattern, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        if ((cursor = next) === '0') break;
      }
      await engine.close();
    },
  };
}

export const visitor = (name: string) => `visitor-${name}-${Date.now().toString(36)}-abcdefgh`;
