/**
 * npm run demo — the engine end to end on a local stack it starts itself: every role in one
 * process, realistic multi-channel traffic published through the HTTP door adapter authors use,
 * folded into projections, then read back through the query API with a short summary.
 */
import { nanoid } from 'nanoid';
import { loadConfig } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import type { Conversation } from '../src/domain/state.ts';
import { createKafka } from '../src/log/kafka.ts';
import { createLogger } from '../src/observability/logger.ts';
import { generateStream } from '../src/sim/stream.ts';
import { all } from '../workers/all.ts';
import { stackUp } from './stack/stack.ts';
import { waitForGroupCaughtUp } from '../src/log/group-lag.ts';

const EVENTS = Number(process.env.DEMO_EVENTS ?? 3000);
const CUSTOMERS = Number(process.env.DEMO_CUSTOMERS ?? 400);
const say = (line: string) => console.log(`[demo] ${line}`);

async function main(): Promise<void> {
  await stackUp();
  const run = nanoid(6).replace(/[^A-Za-z0-9]/g, 'x');
  const base = loadConfig();
  const apiKey = `demo-key-${run}-0123456789`;
  const config: Config = {
    ...base,
    instance: `demo-${run}`,
    kafka: { ...base.kafka, partitions: 6, topics: { events: `demo.${run}.events`, deadLetter: `demo.${run}.dlq`, rejectedInput: `demo.${run}.rejected` } },
    fold: { ...base.fold, namespace: `demo-${run}`, consumerGroup: `demo-fold-${run}`, queue: `demo-fold-${run}`, workflowQueue: `demo-workflow-${run}` },
    outbound: { ...base.outbound, queue: `demo-outbound-${run}`, consumerGroup: `demo-outbound-${run}` },
    http: { ...base.http, host: '127.0.0.1', port: 0, apiKeys: { [apiKey]: 'acme' } },
  };
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'demo' });
  say(`starting every role in one process (run ${run}: topic ${config.kafka.topics.events})`);
  config.http.port = Number(process.env.DEMO_PORT ?? 18080);
  const engine = await all({ config, logger });
  const url = `http://127.0.0.1:${config.http.port}`;
  const headers = { authorization: `Bearer ${apiKey}` };

  try {
    const start = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    const events = [...generateStream({ events: EVENTS, customers: CUSTOMERS, tenants: ['acme'], seed: 5, start, policy: { autoResolveAfterMs: config.tenants.defaults.autoResolveAfter } })];
    say(`publishing ${events.length} events (email, chat, SMS, WhatsApp; agents, bots, resolutions, surveys) through POST /v1/events`);
    const t0 = Date.now();
    for (let i = 0; i < events.length; i += 500) {
      const body = events.slice(i, i + 500).map((e) => JSON.stringify(e)).join('\n');
      const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-ndjson' }, body });
      if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${await res.text()}`);
      if (process.stdout.isTTY) process.stdout.write(`\r[demo] accepted ${Math.min(i + 500, events.length)}/${events.length}`);
    }
    if (process.stdout.isTTY) process.stdout.write('\n');
    await waitForGroupCaughtUp(createKafka(config.kafka, logger), config.fold.consumerGroup, config.kafka.topics.events, 120_000);
    say(`folded into projections in ${((Date.now() - t0) / 1000).toFixed(1)}s`);

    const customers = new Set(events.map((e) => e.customer));
    const conversations: Conversation[] = [];
    for (const id of customers) {
      const res = await fetch(`${url}/v1/customers/${encodeURIComponent(id)}`, { headers });
      if (res.status !== 200) continue;
      const body = (await res.json()) as { conversations: Array<{ id: string }> };
      for (const c of body.conversations) {
        const one = await fetch(`${url}/v1/conversations/${encodeURIComponent(c.id)}`, { headers });
        if (one.status === 200) conversations.push(((await one.json()) as { conversation: Conversation }).conversation);
      }
    }
    const example = [...customers][0]!;
    const profile = (await (await fetch(`${url}/v1/customers/${encodeURIComponent(example)}?limit=5`, { headers })).json()) as {
      customer: { identities: Array<{ channel: string }> };
      timeline: Array<{ direction: string; channel: string; author: { kind: string } }>;
    };
    say(`customer ${example}: identities on ${profile.customer.identities.map((i) => i.channel).join(', ')}; latest timeline:`);
    for (const t of profile.timeline) say(`  ${t.direction === 'in' ? '←' : '→'} ${t.channel.padEnd(6)} ${t.author.kind}`);

    const byStatus = (s: string) => conversations.filter((c) => c.status === s).length;
    const frt = conversations
      .filter((c) => c.initiatedBy === 'customer' && c.firstResponseAt && c.firstCustomerMessageAt)
      .map((c) => (Date.parse(c.firstResponseAt!) - Date.parse(c.firstCustomerMessageAt!)) / 1000)
      .sort((a, b) => a - b);
    const median = frt.length ? frt[Math.ceil(frt.length / 2) - 1]! : NaN;
    const queue = (await (await fetch(`${url}/v1/queues/tier1`, { headers })).json()) as { conversations: unknown[] };
    say('summary');
    say(`  customers ${customers.size}, conversations ${conversations.length} (open ${byStatus('open')}, pending ${byStatus('pending')}, resolved ${byStatus('resolved')})`);
    say(`  first response: ${frt.length} answered by an agent, median ${Math.round(median)} s`);
    say(`  tier1 queue: ${queue.conversations.length} waiting`);
  } finally {
    await engine.stop();
  }
  say('done');
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error('[demo] failed:', err);
  process.exit(1);
});
