/** Linux /proc readings for benchmarks: a process's CPU time and memory, and a process tree's CPU. */
import { readFileSync, readdirSync } from 'node:fs';

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces): index 0 is field 3. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User + system CPU time of `pid`, ms (fields 14 and 15, in clock ticks of 1/100 s). */
export function cpuMsOf(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** CPU time of `pid` and its direct children (a PostgreSQL postmaster and its backends), ms. */
export function treeCpuMs(pid: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const child = Number(entry);
      if (child === pid || Number(statFields(child)[1]) === pid) total += cpuMsOf(child);
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

/** Resident set size (VmRSS) and its peak (VmHWM) of `pid`, MiB. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(m[1]);
  };
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** Parent pid of `pid` (field 4 of /proc/<pid>/stat). */
export function parentOf(pid: number): number {
  return Number(statFields(pid)[1]);
}
