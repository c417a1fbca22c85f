/**
 * CPU seconds of processes and of the machine, read from /proc (Linux): how the benches tell what
 * each part of a run (api, roles, Redis, Kafka, the load itself) cost, beside the figures.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc's CPU times on Linux. */
const CLOCK_TICKS = 100;

export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

export function machineTicks(): { busy: number; total: number } {
  const values = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  return { busy: total - values[3]! - values[4]!, total };
}

/** The first process whose command line matches (Redis and Kafka run beside the engine; their CPU counts too). */
export function findProcess(pattern: RegExp): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (pattern.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export type Sample = { at: number; pids: Record<string, number>; machine: { busy: number; total: number }; self: NodeJS.CpuUsage };

export function sample(pids: Record<string, number | undefined>): Sample {
  return {
    at: performance.now(),
    pids: Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid)])),
    machine: machineTicks(),
    self: process.cpuUsage(),
  };
}
