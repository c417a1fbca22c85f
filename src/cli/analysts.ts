/** The analysts' commands: replay, report (live), export, conversation. */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/load.ts';
import { foldPolicies } from '../config/policies.ts';
import type { Config } from '../config/schema.ts';
import type { GroupDimension } from '../domain/kpi/groups.ts';
import { DEFAULT_FCR_WINDOW_MS, type KpiOptions } from '../domain/kpi/report.ts';
import { tenantTargets } from '../replay/targets.ts';
import { readActiveNamespace } from '../projections/live-assignment.ts';
import { createKafka } from '../log/kafka.ts';
import { createLogger } from '../observability/logger.ts';
import { conversationAsOf, openingEventOf } from '../replay/as-of.ts';
import { exportTopic } from '../replay/export.ts';
import { readTrusted } from '../replay/fast-parse.ts';
import { readEventFile } from '../replay/file-source.ts';
import { readTopic } from '../replay/kafka-source.ts';
import { ownerOf } from '../replay/live-source.ts';
import { createRedactor } from '../replay/redact.ts';
import { liveReport, liveReportMeta } from '../replay/run.ts';
import { decodePartial, encodePartial, inShare, mergePartials, parseShare, PARTIAL_FORMAT, type PartialReplay, type Share } from '../replay/partial.ts';
import { replayFileThreaded, replayTopicThreaded } from '../replay/threaded.ts';
import type { AnyEvent } from '../../events/index.ts';
import { parseDuration, parseFormat, parseGroupBy, parseThreads, parseTime, type Format } from './options.ts';
import { progress } from './progress.ts';
import { writeReport } from './report-output.ts';

interface ReportOpts {
  format: Format;
  groupBy?: GroupDimension[];
  tenant?: string;
  out?: string;
  fcrWindow?: number;
}

function kpiOptions(config: Config, o: ReportOpts): Partial<KpiOptions> {
  return { groupBy: o.groupBy ?? [], fcrWindowMs: o.fcrWindow ?? DEFAULT_FCR_WINDOW_MS, targets: tenantTargets(config) };
}

function reportOptions(command: Command): Command {
  return command
    .option('--format <format>', 'table, json, csv or html', parseFormat, 'table' as Format)
    .option('--group-by <dimensions>', 'comma-separated, any of: tenant,channel,team,agent,category,day,week,month (default: none, the total only)', parseGroupBy)
    .option('--tenant <tenant>', 'only this tenant')
    .option('--fcr-window <duration>', 'a repeat contact within this long takes first-contact resolution away (default: 7d)', parseDuration)
    .option('--out <file>', 'write the report here instead of stdout');
}

const logger = () => createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'cs' });

export function analystCommands(program: Command): void {
  reportOptions(
    program
      .command('replay')
      .description('replay an event stream (an NDJSON export or the Kafka topic) through the fold and report the KPIs (docs/metrics.md)')
      .option('--file <path>', 'an NDJSON export (.gz: gzip)')
      .option('--kafka', 'read the event topic instead of a file')
      .option('--topic <topic>', 'the topic to read (default: the configured event topic)')
      .option('--since <time>', 'only events at or after this event time (RFC 3339)', parseTime)
      .option('--until <time>', 'only events before this event time (RFC 3339)', parseTime)
      .option('--auto-resolve-after <duration>', "resolve a conversation quiet this long (overrides the tenants' setting, e.g. 24h)", parseDuration)
      .option('--strict', 'validate every event in full instead of the fast path')
      .option('--threads <n>', 'fold threads (default: the cores, at most 4); any number gives the same report', parseThreads)
      .option('--share <K/N>', 'with --kafka: read only the K-th of N shares of the partitions (run N processes, on any machines, then cs merge their --partial files)', parseShare)
      .option('--partial <file>', 'with --share: write what this share tallied to this file instead of a report'),
  ).action(async (o: ReportOpts & { file?: string; kafka?: boolean; topic?: string; since?: number; until?: number; autoResolveAfter?: number; strict?: boolean; threads?: number; share?: Share; partial?: string }) => {
    if (!o.file === !o.kafka) throw new Error('say where to replay from: --file <path> or --kafka');
    if ((o.share === undefined) !== (o.partial === undefined)) throw new Error('--share and --partial go together: each process of a split replay writes its share to a file for cs merge');
    if (o.share && !o.kafka) throw new Error('--share splits the topic by partition: use it with --kafka (a file has no partitions; replay it whole)');
    const config = loadConfig();
    const bar = progress('replay');
    let rejected = 0;
    const source = {
      strict: Boolean(o.strict),
      progress: (done: number, total: number) => bar.update(done, total),
      rejected: (where: string, message: string) => {
        if (++rejected <= 10) console.error(`cs replay: skipped ${where}: ${message}`);
      },
    };
    const started = performance.now();
    // The fold runs on threads of its own (plain settings, the same policies), reading here.
    const settings = {
      tenants: config.tenants,
      ...(o.autoResolveAfter !== undefined ? { autoResolveAfterMs: o.autoResolveAfter } : {}),
      kpi: { groupBy: o.groupBy ?? [], fcrWindowMs: o.fcrWindow ?? DEFAULT_FCR_WINDOW_MS },
      ...(o.since !== undefined ? { since: o.since } : {}),
      ...(o.until !== undefined ? { until: o.until } : {}),
      ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
      strict: Boolean(o.strict),
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
    };
    const topic = o.topic ?? config.kafka.topics.events;
    if (o.share && o.partial) {
      const share = o.share;
      const run = await replayTopicThreaded(config.kafka, topic, settings, source, (p) => inShare(share, p));
      bar.stop();
      const partial: PartialReplay = {
        format: PARTIAL_FORMAT,
        share,
        settings: {
          topic,
          partitionCount: run.partitionCount,
          kpi: { groupBy: o.groupBy ?? [], fcrWindowMs: o.fcrWindow ?? DEFAULT_FCR_WINDOW_MS },
          since: o.since ?? null,
          until: o.until ?? null,
          tenant: o.tenant ?? null,
          autoResolveAfterMs: o.autoResolveAfter ?? null,
          tenants: config.tenants,
        },
        read: run.read,
        stats: run.stats,
        tally: run.tally!,
      };
      await writeFile(o.partial, encodePartial(partial));
      console.error(`cs replay: share ${share.index}/${share.of} (partitions ${run.read.map((r) => r.partition).join(', ') || 'none with records'}): ${run.stats.read} events tallied into ${o.partial}; cs merge it with the other shares`);
      return;
    }
    const run = o.file ? await replayFileThreaded(o.file, settings, source) : await replayTopicThreaded(config.kafka, topic, settings, source);
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    await writeReport(run.report, o.format, o.groupBy ?? [], o.out, { source: o.file ?? `kafka:${o.topic ?? config.kafka.topics.events}`, ...run.stats, seconds: Math.round(seconds * 1000) / 1000 });
    if (run.stats.lateEvents > 0) console.error(`cs replay: ${run.stats.lateEvents} events named conversations already settled; see docs/metrics.md (memory)`);
    if (o.out) console.error(`cs replay: ${run.stats.read} events in ${seconds.toFixed(1)}s (${Math.round(run.stats.read / seconds)} events/s); report in ${o.out}`);
  });

  program
    .command('merge <files...>')
    .description('the KPI report of a replay split over processes: merges the --partial files of every share (cs replay --kafka --share K/N --partial FILE)')
    .option('--format <format>', 'table, json, csv or html', parseFormat, 'table' as Format)
    .option('--out <file>', 'write the report here instead of stdout')
    .action(async (files: string[], o: { format: Format; out?: string }) => {
      const partials = await Promise.all(files.map(async (name) => ({ name, partial: decodePartial(await readFile(name, 'utf8'), name) })));
      // The targets are the ones the shares were replayed with, not this machine's configuration.
      const merged = mergePartials(partials, tenantTargets({ tenants: partials[0]!.partial.settings.tenants as Config['tenants'] }));
      const groupBy = merged.settings.kpi.groupBy as GroupDimension[];
      await writeReport(merged.report, o.format, groupBy, o.out, { source: `kafka:${merged.settings.topic}`, shares: partials.length, ...merged.stats });
    });

  reportOptions(
    program.command('report').description("the KPI report of the live projections (the active namespace): equal to a replay of the same log").option('--namespace <ns>', 'read this namespace instead of the active one'),
  ).action(async (o: ReportOpts & { namespace?: string }) => {
    const config = loadConfig();
    const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
    try {
      await redis.connect();
      const namespace = o.namespace ?? (await readActiveNamespace(redis, config.instance, config.fold.namespace));
      const bar = progress('report');
      const live = await liveReport(redis, namespace, kpiOptions(config, o), o.tenant, (n) => bar.update(n, n));
      bar.stop();
      await writeReport(live.report, o.format, o.groupBy ?? [], o.out, liveReportMeta(namespace, live));
    } finally {
      redis.disconnect();
    }
  });

  program
    .command('export')
    .description('write the event topic as NDJSON in log order (per partition in offset order, partitions merged by append time)')
    .requiredOption('--out <file>', 'the NDJSON file to write (.gz: gzip)')
    .option('--since <time>', 'only events at or after this event time (RFC 3339)', parseTime)
    .option('--until <time>', 'only events before this event time (RFC 3339)', parseTime)
    .option('--tenant <tenant>', 'only this tenant')
    .option('--topic <topic>', 'the topic to read (default: the configured event topic)')
    .option('--redact', 'replace texts, subjects, handles and attachment names with stable pseudonyms, for sharing outside the team')
    .action(async (o: { out: string; since?: number; until?: number; tenant?: string; topic?: string; redact?: boolean }) => {
      const config = loadConfig();
      const bar = progress('export');
      const result = await exportTopic({
        kafka: createKafka(config.kafka, logger()),
        topic: o.topic ?? config.kafka.topics.events,
        out: o.out,
        ...(o.since !== undefined ? { since: o.since } : {}),
        ...(o.until !== undefined ? { until: o.until } : {}),
        ...(o.tenant !== undefined ? { tenant: o.tenant } : {}),
        ...(o.redact ? { redact: createRedactor() } : {}),
        progress: (done, total) => bar.update(done, total),
      });
      bar.stop();
      console.error(`cs export: ${result.written} events written to ${o.out}${o.redact ? ' (redacted)' : ''}; ${result.records} records read, ${result.rejected} that do not parse left out`);
    });

  program
    .command('conversation <id>')
    .description('a conversation as it stood at an instant, with its transcript, folded from the log')
    .requiredOption('--as-of <time>', 'the instant (RFC 3339, event time)', parseTime)
    .option('--file <path>', 'read this NDJSON export instead of the Kafka topic')
    .option('--tenant <tenant>', 'the tenant (speeds up the look-up on Kafka)')
    .option('--topic <topic>', 'the topic to read (default: the configured event topic)')
    .action(async (id: string, o: { asOf: number; file?: string; tenant?: string; topic?: string }) => {
      const opening = openingEventOf(id);
      if (!opening) throw new Error(`${id} is not a conversation id (cv_<opening event id>)`);
      const config = loadConfig();
      const policies = foldPolicies(config.tenants);
      const owner = o.file ? await ownerInFile(o.file, opening) : await ownerInRedis(config, id, o.tenant);
      if (!owner) throw new Error(`no conversation ${id} ${o.file ? `in ${o.file}` : 'in the projections'}`);
      const events: AnyEvent[] = [];
      const mine = (e: AnyEvent) => e.tenant === owner.tenant && e.customer === owner.customer;
      if (o.file) await readEventFile(o.file, readTrusted, { event: (e) => mine(e) && events.push(e) });
      else
        await readTopic({
          kafka: createKafka(config.kafka, logger()),
          topic: o.topic ?? config.kafka.topics.events,
          record: (message) => {
            const r = message.value ? readTrusted(message.value.toString('utf8')) : null;
            if (r?.ok && mine(r.event)) events.push(r.event);
          },
        });
      const view = conversationAsOf(events, id, o.asOf, policies);
      if (!view) throw new Error(`conversation ${id} did not exist yet at ${new Date(o.asOf).toISOString()}`);
      process.stdout.write(`${JSON.stringify({ asOf: new Date(o.asOf).toISOString(), ...view }, null, 2)}\n`);
    });
}

async function ownerInFile(path: string, openingEventId: string): Promise<{ tenant: string; customer: string } | null> {
  let owner: { tenant: string; customer: string } | null = null;
  await readEventFile(path, readTrusted, { event: (e) => void (owner ??= e.id === openingEventId ? { tenant: e.tenant, customer: e.customer } : null) });
  return owner;
}

async function ownerInRedis(config: Config, id: string, tenant?: string) {
  const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  try {
    await redis.connect();
    return await ownerOf(redis, await readActiveNamespace(redis, config.instance, config.fold.namespace), id, tenant);
  } finally {
    redis.disconnect();
  }
}
