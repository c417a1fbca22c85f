/** The printed result: the faults and their recoveries, the figures, and PASS/FAIL per invariant. */
import type { MessageFindings, RebuildFindings, ReplyFindings, StepFindings, TopicTally } from './checks.ts';
import { recoveryMs, type FaultRecord } from './faults.ts';
import type { UnplannedExit } from './processes.ts';
import type { Quiescence } from './quiesce.ts';

export interface Invariant {
  name: string;
  pass: boolean;
  detail: string;
}

export interface RunFindings {
  faults: FaultRecord[];
  unplanned: UnplannedExit[];
  quiescence: Quiescence;
  topic: TopicTally;
  transcripts: { conversations: number; lines: number };
  inbound: MessageFindings;
  replies: ReplyFindings;
  steps: StepFindings;
  rebuild: RebuildFindings;
  /** Every answer of the doors and the API over all attempts, by status and error code. */
  answers: Map<string, number>;
  /** Agent replies not sent: the projection did not show the conversation yet. */
  repliesSkipped: number;
  /** For each group of duplicated messages: when the copies were appended, and the faults in between. */
  duplicateTimings: { inbound: string[]; replies: string[] };
  retryBudgetS: number;
  quiesceTimeoutS: number;
  maxRecoveryS: number;
  maxBrokerRecoveryS: number;
}

const s = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);
const some = (list: readonly string[], max = 5) => (list.length === 0 ? '' : `${list.slice(0, max).join(', ')}${list.length > max ? `, … (${list.length} in all)` : ''}`);
const table = (rows: string[][]): string[] => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
};
const mapLines = (m: Map<string, number>, max = 8) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, max)
    .map(([text, n]) => `      ${String(n).padStart(5)} × ${text}`);

export const answerLine = (answers: Map<string, number>) =>
  [...answers]
    .sort((a, b) => b[1] - a[1])
    .map(([what, n]) => `${what} ×${n}`)
    .join(', ');

export function slowestRecovery(faults: readonly FaultRecord[]): { fault: FaultRecord | null; ms: number | null; never: FaultRecord[] } {
  const never = faults.filter((f) => f.recoveredAt === null);
  let fault: FaultRecord | null = null;
  for (const f of faults) if (f.recoveredAt !== null && (fault === null || recoveryMs(f)! > recoveryMs(fault)!)) fault = f;
  return { fault, ms: fault ? recoveryMs(fault) : null, never };
}

export function invariants(f: RunFindings): Invariant[] {
  const { inbound: i, replies: r } = f;
  const slow = slowestRecovery(f.faults);
  const limitS = (x: { target: string }) => (x.target === 'broker' ? f.maxBrokerRecoveryS : f.maxRecoveryS);
  const overLimit = f.faults.filter((x) => x.recoveredAt === null || recoveryMs(x)! > limitS(x) * 1000);
  return [
    {
      name: `doors accepted every message within the retry budget (${f.retryBudgetS} s)`,
      pass: i.gaveUp + i.rejected + r.gaveUp + r.rejected === 0,
      detail: `customer messages: ${i.gaveUp} given up, ${i.rejected} refused; replies: ${r.gaveUp} given up, ${r.rejected} refused`,
    },
    {
      name: 'accepted messages exactly once on the topic',
      pass: i.lostOnTopic.length + i.duplicatedOnTopic.length + r.lostOnTopic.length === 0,
      detail:
        `customer messages: ${i.lostOnTopic.length} missing, ${i.duplicatedOnTopic.length} more than once${i.duplicatedOnTopic.length ? ` (${some(i.duplicatedOnTopic, 3)})` : ''}; ` +
        `replies: ${r.lostOnTopic.length} missing (${r.duplicatedOnTopic.length} appended again by a retry with the same Idempotency-Key, by design)`,
    },
    {
      name: 'accepted messages exactly once in the projections (transcripts)',
      pass: i.lostInProjections.length + i.duplicatedInProjections.length + r.lostInProjections.length + r.duplicatedInProjections.length === 0,
      detail: `customer messages: ${i.lostInProjections.length} missing, ${i.duplicatedInProjections.length} twice or more; replies: ${r.lostInProjections.length} missing, ${r.duplicatedInProjections.length} twice or more`,
    },
    {
      name: 'agent replies delivered exactly once (provider stand-ins)',
      pass: r.undelivered.length + r.duplicatedDeliveries.length === 0,
      detail: `${r.accepted} accepted: ${r.delivered} delivered, ${r.undelivered.length} never, ${r.duplicatedDeliveries.length} more than once${r.duplicatedDeliveries.length ? ` (${some(r.duplicatedDeliveries, 3)})` : ''}`,
    },
    {
      name: 'workflow steps done or waiting for a stated reason',
      pass: (f.steps.counts.failed ?? 0) === 0 && f.steps.notPumped === 0 && f.steps.neverRan === 0,
      detail:
        `${f.steps.counts.completed ?? 0} done, ${f.steps.counts.failed ?? 0} failed for good, ${[...f.steps.waiting.values()].reduce((a, b) => a + b, 0)} waiting to retry (reasons below), ` +
        `${f.steps.neverRan} queued and never run, ${f.steps.notPumped} not pumped`,
    },
    {
      name: 'projections equal a rebuild (cs rebuild, key for key)',
      pass: f.rebuild.ran && f.rebuild.equal,
      detail: f.rebuild.ran ? `${f.rebuild.liveKeys} keys live, ${f.rebuild.rebuiltKeys} rebuilt, ${f.rebuild.differing} differ` : f.rebuild.note,
    },
    {
      name: `quiet within ${f.quiesceTimeoutS} s after the load (lags 0, queues drained)`,
      pass: f.quiescence.reached,
      detail: f.quiescence.reached ? `after ${s(f.quiescence.ms)}${f.quiescence.stepsWaiting ? `, ${f.quiescence.stepsWaiting} workflow steps still waiting to retry` : ''}` : `still busy: ${f.quiescence.pending.join('; ')}`,
    },
    {
      name: `every killed role recovered from within ${f.maxRecoveryS} s${f.faults.some((x) => x.target === 'broker') ? `, the broker restart within ${f.maxBrokerRecoveryS} s` : ''}`,
      pass: overLimit.length === 0,
      detail: `${f.faults.length === 0 ? 'no faults injected' : `slowest ${s(slow.ms)}`}${slow.fault ? ` (${slow.fault.target})` : ''}${overLimit.length ? `; over the limit: ${overLimit.map((x) => `${x.target} ${s(recoveryMs(x))}`).join(', ')}` : ''}`,
    },
  ];
}

export function report(f: RunFindings, header: string): { lines: string[]; pass: boolean } {
  const lines: string[] = [];
  const { inbound: i, replies: r } = f;
  lines.push('', header, '');
  lines.push('faults (times from the start of the run; recovery from the kill, or from the broker stop)');
  const faultRows = [['  fault', 'at', 'down → up', 'recovered after', 'recovered when', 'overlapping faults']];
  for (const x of f.faults) {
    faultRows.push([`  ${x.target}`, s(x.at), s(x.upAt - x.at), s(recoveryMs(x)), x.measure, x.overlaps.join(', ') || '-']);
  }
  lines.push(...table(faultRows));
  if (f.unplanned.length > 0) {
    lines.push(`  roles that exited by themselves (restarted by the harness): ${f.unplanned.map((u) => `${u.role} at ${s(u.at)} (code ${u.code}${u.signal ? `, ${u.signal}` : ''})`).join('; ')}`);
  }
  lines.push('');
  const slow = slowestRecovery(f.faults);
  const lost = new Set([...i.lostOnTopic, ...i.lostInProjections]).size + new Set([...r.lostOnTopic, ...r.lostInProjections]).size;
  lines.push('figures');
  lines.push(
    ...table([
      ['  customer messages sent', `${i.sent}`],
      ['  accepted', `${i.accepted} (${i.gaveUp} given up after ${f.retryBudgetS} s of retries, ${i.rejected} refused)`],
      ['  lost', `${lost} (accepted but missing: ${i.lostOnTopic.length} from the topic, ${i.lostInProjections.length} from the projections; replies ${r.lostOnTopic.length} / ${r.lostInProjections.length})`],
      ['  duplicated on topic', `${i.duplicatedOnTopic.length}${i.duplicatedOnTopic.length ? ` (${some(i.duplicatedOnTopic, 3)})` : ''}`],
      ['  duplicated in projections', `${i.duplicatedInProjections.length + r.duplicatedInProjections.length}`],
      ['  replies sent / delivered / duplicated', `${r.accepted} / ${r.delivered} / ${r.duplicatedDeliveries.length} (${r.sent} attempted, ${f.repliesSkipped} not sent: conversation not shown yet; ${r.otherDeliveries} other messages, the bot's, delivered too)`],
      ['  steps failed for good', `${f.steps.counts.failed ?? 0}`],
      ['  slowest recovery', `${f.faults.length === 0 ? '- (no faults)' : s(slow.ms)}${slow.fault ? ` (${slow.fault.target})` : ''}${slow.never.length ? `; never: ${slow.never.map((x) => x.target).join(', ')}` : ''}`],
      ['  topic', `${f.topic.records} records, ${f.topic.unparsable} unparsable; event ids on it twice or more: ${[...f.topic.duplicatesByType].map(([type, n]) => `${type} ${n}`).join(', ') || 'none'}`],
      ['  projections', `${f.transcripts.conversations} conversations, ${f.transcripts.lines} transcript lines`],
      ['  answers (all attempts)', answerLine(f.answers)],
    ]),
  );
  if (i.notAcceptedButOnTopic.length > 0) lines.push(`  given up by the sender yet on the topic: ${i.notAcceptedButOnTopic.length} customer messages`);
  if (r.notAcceptedButOnTopic.length > 0) lines.push(`  replies given up by the agent yet delivered: ${some(r.notAcceptedButOnTopic, 3)}`);
  if (i.eventIdMismatches.length + r.eventIdMismatches.length > 0) lines.push(`  HARNESS: event ids differ from the doors' derivation for ${i.eventIdMismatches.length} messages`);
  lines.push('');
  const checks = invariants(f);
  lines.push('invariants');
  for (const c of checks) lines.push(`  ${c.pass ? 'PASS' : 'FAIL'}  ${c.name}`, `        ${c.detail}`);
  const details: string[] = [];
  if (i.failures.size + r.failures.size > 0) details.push('    not accepted, by last answer:', ...mapLines(i.failures), ...mapLines(r.failures));
  if (f.duplicateTimings.inbound.length > 0) details.push('    customer messages on the topic twice, by when:', ...f.duplicateTimings.inbound.map((line) => `      ${line}`));
  if (f.duplicateTimings.replies.length > 0) details.push('    replies appended again by a retry (by design), by when:', ...f.duplicateTimings.replies.map((line) => `      ${line}`));
  if (i.lostOnTopic.length + i.lostInProjections.length > 0) details.push(`    customer messages missing: topic ${some(i.lostOnTopic)}; projections ${some(i.lostInProjections)}`);
  if (i.duplicatedInProjections.length + r.duplicatedInProjections.length > 0) details.push(`    twice in the projections: ${some([...i.duplicatedInProjections, ...r.duplicatedInProjections])}`);
  if (r.undelivered.length > 0) details.push(`    replies never delivered: ${some(r.undelivered)}`);
  if (r.duplicatedDeliveries.length > 0) details.push(`    replies delivered more than once: ${some(r.duplicatedDeliveries)}`);
  if (f.steps.failed.size > 0) details.push('    workflow steps failed for good, by last reason:', ...mapLines(f.steps.failed));
  if (f.steps.waiting.size > 0) details.push('    workflow steps waiting to retry, by reason:', ...mapLines(f.steps.waiting));
  const other = Object.entries(f.steps.otherQueues).filter(([, c]) => (c.failed ?? 0) > 0);
  if (other.length > 0) details.push(`    other queues' failed jobs: ${other.map(([q, c]) => `${q} ${c.failed}`).join(', ')}`);
  if (f.rebuild.ran && !f.rebuild.equal) details.push('    live vs rebuild, first differences:', ...f.rebuild.diffs.map((d) => `      ${d.replace(/\n/g, '\n      ')}`));
  if (f.rebuild.note) details.push(`    rebuild: ${f.rebuild.note}`);
  if (details.length > 0) lines.push('', '  details', ...details);
  const pass = checks.every((c) => c.pass);
  lines.push('', pass ? 'chaos: PASS' : `chaos: FAIL (${checks.filter((c) => !c.pass).length} of ${checks.length} invariants)`);
  return { lines, pass };
}
