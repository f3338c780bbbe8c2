// CPU time of server processes from /proc/<pid>/stat (user + system, all
// threads), so both systems' servers are charged the same way.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks = null;
function ticksPerSecond() {
  if (clockTicks === null) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Seconds of CPU one process has used so far; null when it is gone. */
export function processCpuSeconds(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of the whole line are 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** The CPU seconds of each pid (a Map), for a before/after difference. */
export function cpuSnapshot(pids) {
  return new Map(pids.map((pid) => [pid, processCpuSeconds(pid)]));
}

/** CPU seconds used between two snapshots, summed over the pids present in both. */
export function cpuUsedSince(before, pids) {
  let sum = 0;
  for (const pid of pids) {
    const a = before.get(pid);
    const b = processCpuSeconds(pid);
    if (a !== null && a !== undefined && b !== null) sum += b - a;
  }
  return sum;
}
