/**
 * npm run demo — the engine end to end, through its real doors. Starts the local stack if needed,
 * runs every role in one process for the example tenant `northwind` (config/tenants/northwind.yaml),
 * and lets simulated customers write by e-mail (SMTP), SMS (signed Twilio webhooks), WhatsApp
 * (signed Meta webhooks) and web chat (HTTP + WebSocket) in English, Russian and Chinese, while
 * simulated agents work through the API. Ends with a KPI summary read back through the query API.
 *
 * Knobs: DEMO_CUSTOMERS (default 60), DEMO_SECONDS (arrivals spread over this many, default 75),
 * DEMO_SEED, DEMO_PORT, DEMO_KEEP=1 (keep the run's topics and keys), LOG_LEVEL (the engine's log,
 * written to .stack/demo-<run>.log; default info).
 */
import { join, relative } from 'node:path';
import { Redis } from 'ioredis';
import { nanoid } from 'nanoid';
import { loadConfig } from '../src/config/load.ts';
import { waitForGroupCaughtUp } from '../src/log/group-lag.ts';
import { createKafka } from '../src/log/kafka.ts';
import { createLogger } from '../src/observability/logger.ts';
import { smtpClient } from './sim/doors.ts';
import { startProviderApis, startSmtpSink } from './sim/providers.ts';
import { all } from '../src/roles/all.ts';
import { startAgents } from './demo/agents.ts';
import { removeRun } from './demo/cleanup.ts';
import { signInTeam } from './demo/people.ts';
import { customerJourney } from './demo/customers.ts';
import { demoDeployment, TENANT } from './demo/deployment.ts';
import { Inboxes } from './demo/inbox.ts';
import { kpiSummary } from './demo/report.ts';
import { personas } from './demo/script.ts';
import { apiClient, newCounters, type World } from './demo/world.ts';
import { stackDir, stackUp } from './stack/stack.ts';

const CUSTOMERS = Number(process.env.DEMO_CUSTOMERS ?? 60);
const SECONDS = Number(process.env.DEMO_SECONDS ?? 75);
const SEED = Number(process.env.DEMO_SEED ?? 7);
/** After the last arrival, how long customers and agents get to finish. */
const FINISH_WITHIN_S = 50;

const started = Date.now();
const clock = () => `${String(Math.round((Date.now() - started) / 1000)).padStart(3)}s`;
const say = (line: string) => console.log(`[demo ${clock()}] ${line}`);

async function main(): Promise<void> {
  if (!(CUSTOMERS > 0) || !(SECONDS > 0)) throw new Error('DEMO_CUSTOMERS and DEMO_SECONDS must be positive numbers');
  await stackUp();
  const run = nanoid(6).replace(/[^A-Za-z0-9]/g, 'x');
  const providers = await startProviderApis();
  const sink = await startSmtpSink();
  const deployment = await demoDeployment(loadConfig(), run, { url: providers.url, smtpPort: sink.port });
  const { config } = deployment;
  const logFile = join(stackDir, `demo-${run}.log`);
  const logger = createLogger({ level: config.log.level, name: 'demo', destination: logFile });
  say(`run ${run}: every role in one process (api, smtp, fold, workflow, outbound, webhooks) for tenant ${TENANT}, topic ${config.kafka.topics.events}; engine log in ${relative(process.cwd(), logFile)}`);
  const engine = await all({ config, logger });
  const inboxes = new Inboxes(providers, sink);
  const mail = smtpClient('127.0.0.1', deployment.smtpPort);
  const pending = new Set<() => void>();
  const world: World = {
    deployment,
    inboxes,
    mail,
    counters: newCounters(),
    handles: [],
    waiting: new Map(),
    elapsed: () => (Date.now() - started) / 1000,
    say,
    api: apiClient(deployment.url, deployment.apiKey),
    stopping: false,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        if (world.stopping) return resolve();
        const done = () => {
          clearTimeout(timer);
          pending.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        pending.add(done);
      }),
  };
  let status: NodeJS.Timeout | undefined;
  let logins = new Map<string, { email: string; password: string }>();
  let agents: { stop(): Promise<void> } | undefined;
  try {
    say(`doors: ${deployment.url} (Twilio and Meta webhooks, chat, API), SMTP 127.0.0.1:${deployment.smtpPort}; replies go to local Twilio/Meta/SMTP stand-ins`);
    const roster = deployment.settings.routing.agents;
    const redis = new Redis(config.redis.url);
    const team = await signInTeam(world, redis, config.instance, TENANT).finally(() => redis.disconnect());
    const sessions = team.clients;
    logins = team.logins;
    say(`an admin and ${sessions.size} agents signed in, each with their own session (the admin added them through POST /v1/users)`);
    for (const agent of roster) {
      const answer = await sessions.get(agent.id)!('PUT', `/v1/agents/${agent.id}/status`, { status: 'online' });
      if (answer.status !== 202) throw new Error(`PUT /v1/agents/${agent.id}/status answered ${answer.status}`);
    }
    say(`agents online: ${roster.map((a) => `${a.id} (${a.teams.join('/')}; ${a.languages.join(', ')})`).join(', ')}`);
    agents = startAgents(world, sessions);

    const crowd = personas(CUSTOMERS, SECONDS, SEED);
    say(`${crowd.length} customers write over ${SECONDS}s by e-mail, SMS, WhatsApp and chat; SLA clocks run 60× faster, surveys go out seconds after resolution`);
    status = setInterval(() => void statusLine(world, crowd.length), 10_000);
    const journeys = Promise.all(crowd.map((p) => customerJourney(world, p)));
    const cap = new Promise<'cap'>((r) => setTimeout(() => r('cap'), (SECONDS + FINISH_WITHIN_S) * 1000).unref());
    if ((await Promise.race([journeys, cap])) === 'cap') {
      say(`time is up; still waiting: ${[...world.waiting].map(([who, what]) => `${who.replace(/\s+/g, ' ')} for ${what}`).join('; ')}`);
    }
    world.stopping = true;
    for (const wake of pending) wake();
    inboxes.close();
    await journeys;
    clearInterval(status);
    await agents.stop();
    agents = undefined;

    await waitForGroupCaughtUp(createKafka(config.kafka, logger), config.fold.consumerGroup, config.kafka.topics.events, 30_000);
    const c = world.counters;
    say(`traffic done: ${c.customersStarted} customers, ${c.botAnswers} bot answers seen, ${c.agentReplies} agent replies, ${c.transfers} transfers, ${c.supervisorAssigns} supervisor assignments, ${c.surveysAnswered} surveys answered, ${c.gaveUp} gave up`);
    console.log('');
    console.log(`KPI summary (northwind, run ${run}, read back through the query API)`);
    for (const line of await kpiSummary(world, world.handles)) console.log(`  ${line}`);
    console.log('');
    if (process.stdout.isTTY && process.env.DEMO_EXIT !== '1') await keepConsoleOpen(deployment.url, logins);
  } finally {
    clearInterval(status);
    world.stopping = true;
    await agents?.stop();
    // Our pooled SMTP connections first: the listener lets open sessions finish before it stops.
    mail.close();
    const t = Date.now();
    await engine.stop();
    if (process.env.DEMO_DEBUG) say(`engine stopped in ${Date.now() - t} ms`);
    await providers.close();
    await sink.close();
    if (process.env.DEMO_DEBUG) say(`closed in ${Date.now() - t} ms`);
    logger.flush();
    if (process.env.DEMO_KEEP !== '1') await removeRun(config).catch((err: Error) => say(`cleanup left something behind: ${err.message}`));
  }
  say(`done in ${Math.round((Date.now() - started) / 1000)}s${process.env.DEMO_KEEP === '1' ? ` (kept: namespace ${config.fold.namespace}, topic ${config.kafka.topics.events})` : ''}; the stack keeps running (npm run stack:down stops it)`);
}

/** On a terminal: the engine and the console stay up with the day's traffic in them until Ctrl-C. */
async function keepConsoleOpen(url: string, logins: Map<string, { email: string; password: string }>): Promise<void> {
  const agent = logins.get('ag_anna') ?? [...logins.values()][0];
  const supervisor = logins.get('ag_sofia');
  console.log(`The console is open at ${url}/ (tenant ${TENANT}):`);
  if (agent) console.log(`  an agent:      ${agent.email}  password ${agent.password}`);
  if (supervisor) console.log(`  a supervisor:  ${supervisor.email}  password ${supervisor.password}`);
  console.log('Ctrl-C stops the engine and cleans up (DEMO_EXIT=1 skips this wait).');
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  console.log('');
}

async function statusLine(w: World, total: number): Promise<void> {
  const c = w.counters;
  let waiting = 0;
  for (const team of w.deployment.settings.routing.teams) {
    const q = await w.api<{ conversations?: unknown[] }>('GET', `/v1/queues/${encodeURIComponent(team.name)}`).catch(() => null);
    waiting += q?.body.conversations?.length ?? 0;
  }
  w.say(
    `customers ${c.customersStarted}/${total} (${c.customersDone} done) · bot answers ${c.botAnswers} · agent replies ${c.agentReplies} · notes ${c.notes} · transfers ${c.transfers} · resolved ${c.resolvedByAgents} · surveys answered ${c.surveysAnswered} · waiting in queues ${waiting}`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('[demo] failed:', err);
    process.exit(1);
  },
);
