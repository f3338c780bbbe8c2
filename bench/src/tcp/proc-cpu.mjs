// CPU time and wake-ups of server processes from /proc, so both systems'
// servers are charged the same way: user + system time of the whole process
// (/proc/<pid>/stat, all threads) and voluntary context switches summed over
// its threads (/proc/<pid>/task/*/status): each is a thread going to sleep
// and being woken again, the cost that dominates on a busy 2-core VM.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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

/** Voluntary context switches of all the process's live threads; null when it is gone. */
export function processWakeups(pid) {
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let sum = 0;
  for (const tid of tids) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      sum += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      // the thread ended meanwhile
    }
  }
  return sum;
}

/** CPU seconds and wake-ups of each pid so far (a Map), for a before/after difference. */
export function cpuSnapshot(pids) {
  return new Map(pids.map((pid) => [pid, { cpuS: processCpuSeconds(pid), wakeups: processWakeups(pid) }]));
}

/** CPU seconds and wake-ups since a snapshot, summed over the pids present in both. */
export function usedSince(before, pids) {
  let cpuS = 0;
  let wakeups = 0;
  for (const pid of pids) {
    const a = before.get(pid);
    const cpu = processCpuSeconds(pid);
    const w = processWakeups(pid);
    if (a?.cpuS != null && cpu !== null) cpuS += cpu - a.cpuS;
    if (a?.wakeups != null && w !== null) wakeups += w - a.wakeups;
  }
  return { cpuS, wakeups };
}
