/**
 * The faults: every role SIGKILLed once (restarted after the orchestrator's pause) and the run's own
 * broker restarted, spread over the load in a seeded order. Each one's recovery is computed from the
 * probes' history once the run is quiet:
 *
 * | fault | recovered when |
 * | --- | --- |
 * | api | a door or the agents' API answers 2xx again |
 * | fold-bridge, fold-worker | everything on the topic at the kill is folded and committed, and something written after it too |
 * | workflow | the steps waiting or running at the kill are done (or retrying later), and a workflow worker is connected again |
 * | outbound | the outbound group has read past the topic's end at the kill, and every reply accepted before the kill is delivered |
 * | broker | a door answers 2xx again and the fold commits again |
 *
 * Each measure is of the killed role's own work, so a fault overlapping another (the fold stalled,
 * the API away) delays it only where the role really depends on the other.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { seededRandom } from '../sim/random.ts';
import type { OwnBroker } from './broker.ts';
import { messageOfCall } from '../sim/providers.ts';
import type { TimedCall } from './checks.ts';
import type { Load } from './load.ts';
import { sum, type FoldSample, type Probes, type QueueSample } from './probes.ts';
import type { Supervisor } from './processes.ts';

export type FaultTarget = 'api' | 'fold-bridge' | 'fold-worker-1' | 'fold-worker-2' | 'workflow' | 'outbound' | 'broker';

export interface PlannedFault {
  target: FaultTarget;
  /** When, ms after the load started. */
  atMs: number;
}

export interface FaultRecord {
  target: FaultTarget;
  /** The kill (or the broker's stop began), ms since the run started. */
  at: number;
  /** The process was gone (or the broker stopped). */
  downAt: number;
  /** Started again (the broker answered again). */
  upAt: number;
  foldAtKill: FoldSample | null;
  foldAtUp: FoldSample | null;
  workflowAtKill: QueueSample | null;
  /** Workflow: the jobs waiting or running once the killed process was gone (the steps it held). */
  inHand: string[] | null;
  recoveredAt: number | null;
  /** What "recovered" meant for this fault. */
  measure: string;
  overlaps: string[];
}

export const ROLE_TARGETS: FaultTarget[] = ['api', 'fold-bridge', 'fold-worker-1', 'fold-worker-2', 'workflow', 'outbound'];

/**
 * Every role once, and the broker `brokerRestarts` times, spread evenly over 5–80 % of the load
 * (so the last recovery still happens under load). `--short` puts the consumer-group roles first:
 * their recovery is the slowest, and the short run must end soon after its load.
 */
export function planFaults(o: { durationMs: number; seed: number; brokerRestarts: number; short: boolean; only: string[] | null }): PlannedFault[] {
  const random = seededRandom(o.seed ^ 0x5eed);
  let targets: FaultTarget[] = ROLE_TARGETS.filter((t) => o.only === null || o.only.includes(t));
  for (let i = targets.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [targets[i], targets[j]] = [targets[j]!, targets[i]!];
  }
  if (o.short) targets = [...targets.filter((t) => t === 'fold-bridge' || t === 'outbound'), ...targets.filter((t) => t !== 'fold-bridge' && t !== 'outbound')];
  for (let b = 0; b < o.brokerRestarts; b++) {
    // The broker in the middle of the role kills.
    const at = Math.floor(((b + 1) * targets.length) / (o.brokerRestarts + 1));
    targets.splice(at, 0, 'broker');
  }
  const from = o.durationMs * 0.05;
  const to = o.durationMs * 0.8;
  const step = targets.length > 1 ? (to - from) / (targets.length - 1) : 0;
  return targets.map((target, i) => ({ target, atMs: Math.round(from + i * step) }));
}

export interface FaultDeps {
  supervisor: Supervisor;
  broker: OwnBroker | null;
  brokerKill: boolean;
  probes: Probes;
  pauseMs: number;
  clock(): number;
  say(line: string): void;
}

/** Runs the plan against the clock (times relative to `loadStart`); resolves after the last fault's restart. */
export async function injectFaults(plan: PlannedFault[], loadStart: number, d: FaultDeps, records: FaultRecord[] = []): Promise<FaultRecord[]> {
  for (const fault of plan) {
    const wait = loadStart + fault.atMs - d.clock();
    if (wait > 0) await sleep(wait);
    records.push(fault.target === 'broker' ? await restartBroker(d) : await killRole(fault.target, d));
  }
  return records;
}

async function killRole(target: FaultTarget, d: FaultDeps): Promise<FaultRecord> {
  const role = d.supervisor.get(target);
  // The topic's end as the kill happens: what a fold role (or outbound) must have read past to count as recovered.
  const foldAtKill = target.startsWith('fold') || target === 'outbound' ? d.probes.foldNow() : Promise.resolve(null);
  const at = d.clock();
  const pid = role.pid;
  await role.kill();
  const downAt = d.clock();
  // The workflow's baselines are read once the process is gone (nothing it does can count as
  // recovery), during the pause: the restart is not held up by them.
  const workflowAtKill = target === 'workflow' ? d.probes.workflowNow().catch(() => null) : Promise.resolve(null);
  const inHand =
    target === 'workflow'
      ? d.probes.workflowInHand().then(
          (ids) => {
            d.probes.follow(ids);
            return ids;
          },
          () => null,
        )
      : Promise.resolve(null);
  d.say(`SIGKILL ${target} (pid ${pid}); restarting it in ${(d.pauseMs / 1000).toFixed(1)} s`);
  await sleep(d.pauseMs);
  role.start();
  const upAt = d.clock();
  return { target, at, downAt, upAt, foldAtKill: await foldAtKill, foldAtUp: null, workflowAtKill: await workflowAtKill, inHand: await inHand, recoveredAt: null, measure: '', overlaps: [] };
}

async function restartBroker(d: FaultDeps): Promise<FaultRecord> {
  if (!d.broker) throw new Error('a broker restart needs the run’s own broker');
  const foldAtKill = await d.probes.foldNow();
  const at = d.clock();
  d.say(`stopping the run's broker (${d.brokerKill ? 'SIGKILL' : 'controlled shutdown'})`);
  await d.broker.stop(d.brokerKill);
  const downAt = d.clock();
  d.say(`broker down after ${((downAt - at) / 1000).toFixed(1)} s; starting it again in ${(d.pauseMs / 1000).toFixed(1)} s`);
  await sleep(d.pauseMs);
  await d.broker.start();
  const upAt = d.clock();
  const foldAtUp = await d.probes.foldNow();
  d.say(`broker answers again (${((upAt - downAt) / 1000).toFixed(1)} s to start)`);
  return { target: 'broker', at, downAt, upAt, foldAtKill, foldAtUp, workflowAtKill: null, inHand: null, recoveredAt: null, measure: '', overlaps: [] };
}

/** Fills in each fault's recovery from the probes' history, the load's acceptances and the stand-ins' calls. */
export function computeRecoveries(records: FaultRecord[], probes: Probes, load: Load, calls: readonly TimedCall[]): void {
  const firstAfter = (times: readonly number[], t: number) => times.find((x) => x > t) ?? null;
  const foldCommittedAfter = (t: number, baseline: bigint) => probes.fold.find((s) => s.at > t && sum(s.committed) > baseline)?.at ?? null;
  const latest = (times: ReadonlyArray<number | null>) => (times.some((t) => t === null) ? null : Math.max(...(times as number[])));
  // When each reply first reached a provider stand-in, by its marker.
  const firstDelivery = new Map<string, number>();
  for (const { at, call } of calls) {
    const marker = /\[chaos r\d+\]/.exec(messageOfCall(call)?.text ?? '')?.[0];
    if (marker && !firstDelivery.has(marker)) firstDelivery.set(marker, at);
  }
  for (const r of records) {
    switch (r.target) {
      case 'api':
        r.measure = 'a door or the API answered 2xx';
        r.recoveredAt = firstAfter(load.accepted, r.downAt);
        break;
      case 'outbound': {
        // Replies accepted before the kill and not delivered by then: the killed role's work in hand.
        const owed = load.replies.filter((x) => x.acceptedAt !== undefined && x.acceptedAt <= r.at && !((firstDelivery.get(x.marker) ?? Infinity) <= r.at));
        r.measure = `read past the kill point; the ${owed.length} replies accepted, undelivered at the kill, delivered`;
        const ends = r.foldAtKill?.ends;
        if (!ends) break;
        const readPast = probes.outbound.find((s) => s.at > r.downAt && [...ends].every(([p, end]) => (s.committed.get(p) ?? -1n) >= end))?.at ?? null;
        r.recoveredAt = latest([readPast, r.upAt, ...owed.map((x) => firstDelivery.get(x.marker) ?? null)]);
        break;
      }
      case 'workflow': {
        const held = r.inHand ?? [];
        r.measure = `the ${held.length} steps waiting or running at the kill done (or retrying later); a worker connected`;
        if (r.inHand === null) break;
        const connected = probes.workflow.find((s) => s.at > r.upAt && s.workers > 0)?.at ?? null;
        r.recoveredAt = latest([connected, ...held.map((id) => probes.settledAt.get(id) ?? null)]);
        break;
      }
      case 'fold-bridge':
      case 'fold-worker-1':
      case 'fold-worker-2': {
        r.measure = 'all written before the kill folded, and more';
        const ends = r.foldAtKill?.ends;
        if (!ends) break;
        const endSum = sum(ends);
        const caughtUp = (s: FoldSample) => [...ends].every(([p, end]) => (s.committed.get(p) ?? -1n) >= end);
        // Something written after the kill folded too, unless nothing was written (the load had ended).
        const wroteAfter = probes.fold.some((s) => s.at > r.downAt && sum(s.ends) > endSum);
        r.recoveredAt = probes.fold.find((s) => s.at > r.downAt && caughtUp(s) && (!wroteAfter || sum(s.committed) > endSum))?.at ?? null;
        break;
      }
      case 'broker': {
        r.measure = 'a door answered 2xx and the fold committed';
        const door = firstAfter(load.accepted, r.upAt);
        const base = r.foldAtUp ? sum(r.foldAtUp.committed) : r.foldAtKill ? sum(r.foldAtKill.committed) : null;
        const fold = base === null ? null : foldCommittedAfter(r.upAt, base);
        r.recoveredAt = door === null || fold === null ? null : Math.max(door, fold);
        break;
      }
    }
  }
  for (const r of records) {
    const end = r.recoveredAt ?? Number.POSITIVE_INFINITY;
    r.overlaps = records.filter((other) => other !== r && other.at < end && (other.recoveredAt ?? Number.POSITIVE_INFINITY) > r.at).map((other) => other.target);
  }
}

/** Recovery of a fault in ms (from the kill or the broker's stop), or null when it never recovered. */
export const recoveryMs = (r: FaultRecord) => (r.recoveredAt === null ? null : r.recoveredAt - r.at);
